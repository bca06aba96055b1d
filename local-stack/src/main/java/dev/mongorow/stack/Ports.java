package dev.mongorow.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** Loopback port helpers. */
public final class Ports {
    private Ports() { }

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** True if nothing listens on 127.0.0.1:port and we may bind it (as our servers will, with SO_REUSEADDR). */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True if something accepts TCP connections on 127.0.0.1:port. */
    public static boolean isListening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code n} distinct free ports. The last one starts a run of 4 consecutive free ports, for Connect
     * workers 1..4 (worker n listens on base + n - 1).
     */
    public static int[] free(int n) {
        List<ServerSocket> held = new ArrayList<>();
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(LOOPBACK, 0));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            if (n > 0) {
                ports[n - 1] = freeRange(4, ports);
            }
            return ports;
        } catch (IOException e) {
            throw new StackException("cannot find free ports: " + e.getMessage(), e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static int freeRange(int count, int[] avoid) {
        java.util.Random random = new java.util.Random();
        outer:
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20000 + random.nextInt(30000);
            for (int p = base; p < base + count; p++) {
                for (int a : avoid) {
                    if (a == p) {
                        continue outer;
                    }
                }
                if (!isFree(p)) {
                    continue outer;
                }
            }
            return base;
        }
        throw new StackException("cannot find " + count + " consecutive free ports");
    }
}
