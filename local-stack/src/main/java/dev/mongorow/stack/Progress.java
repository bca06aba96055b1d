package dev.mongorow.stack;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One line per component state change, e.g. {@code [kafka] ready in 4.1s}. Lines come from several
 * threads (components start in parallel), so every sink must be thread-safe.
 */
@FunctionalInterface
public interface Progress {

    void line(String component, String message);

    /** Prints to a stream, one whole line at a time. */
    static Progress to(PrintStream out) {
        return (component, message) -> {
            synchronized (out) {
                out.println("[" + component + "] " + message);
                out.flush();
            }
        };
    }

    static Progress silent() {
        return (component, message) -> { };
    }

    /** Keeps every line (for tests that check the order of events), and forwards it. */
    final class Recorder implements Progress {
        private final List<String> lines = new ArrayList<>();
        private final Progress next;

        public Recorder(Progress next) {
            this.next = next;
        }

        @Override
        public void line(String component, String message) {
            synchronized (lines) {
                lines.add("[" + component + "] " + message);
            }
            next.line(component, message);
        }

        public List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        public void clear() {
            synchronized (lines) {
                lines.clear();
            }
        }
    }
}
