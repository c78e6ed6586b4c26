package dev.longshore.proxy.bundle;

import java.io.Console;
import java.io.PrintWriter;

/**
 * How long work (warm, export, import) reports itself: one task per image or bundle, advanced by bytes, with items
 * (blobs) counted as they finish. A bar on a terminal, plain lines anywhere else (logs, CI, pipes).
 */
public interface Progress {

    /** Starts a task of {@code totalBytes} over {@code totalItems} items. */
    void begin(String task, long totalBytes, int totalItems);

    /** {@code bytes} more of the current item are done. */
    void advance(long bytes);

    /** An item is done; {@code what} names it ("layer 3f2a9c1b7d4e 1.2 MiB, hit"). */
    void itemDone(String what);

    /** Ends the current task. */
    void end(String summary);

    /** Bars when standard output is a terminal, lines on {@code lines} otherwise. */
    static Progress forConsole(PrintWriter lines) {
        return interactive() ? new BarProgress(lines) : new LineProgress(lines);
    }

    /**
     * {@code System.console() != null} means a terminal up to JDK 21; from JDK 22 on there is a console even when
     * redirected, and {@code isTerminal()} (not in the JDK 21 API we compile against) tells.
     */
    private static boolean interactive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** {@code 12.3 MiB}: sizes for people. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format("%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /** Reports nothing: for tests and library callers. */
    Progress NONE = new Progress() {
        @Override
        public void begin(String task, long totalBytes, int totalItems) {
        }

        @Override
        public void advance(long bytes) {
        }

        @Override
        public void itemDone(String what) {
        }

        @Override
        public void end(String summary) {
        }
    };
}
