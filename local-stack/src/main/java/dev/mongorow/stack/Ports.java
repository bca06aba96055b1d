package dev.mongorow.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

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

    /** Lowest and highest port handed out by {@link #free}: below Linux's ephemeral range (32768-60999). */
    static final int FREE_MIN = 20000;
    static final int FREE_MAX = 32000;

    /**
     * {@code n} distinct free ports. The last one starts a run of 4 consecutive free ports, for Connect
     * workers 1..4 (worker n listens on base + n - 1). They are picked below the kernel's ephemeral port
     * range: an OS-assigned port (bind to 0) lies inside it, where any outgoing connection made before our
     * server binds can take it.
     */
    public static int[] free(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = freeRange(i == n - 1 ? 4 : 1, java.util.Arrays.copyOf(ports, i));
        }
        return ports;
    }

    private static int freeRange(int count, int[] avoid) {
        java.util.Random random = new java.util.Random();
        outer:
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = FREE_MIN + random.nextInt(FREE_MAX - FREE_MIN - count);
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
