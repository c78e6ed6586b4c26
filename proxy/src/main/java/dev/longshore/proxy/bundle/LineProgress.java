package dev.longshore.proxy.bundle;

import java.io.PrintWriter;

/** Progress as one plain line per finished item: readable in a log or a CI transcript, no control characters. */
final class LineProgress implements Progress {

    private final PrintWriter out;
    private String task = "";
    private long totalBytes;
    private int totalItems;
    private long doneBytes;
    private int doneItems;

    LineProgress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void begin(String task, long totalBytes, int totalItems) {
        this.task = task;
        this.totalBytes = totalBytes;
        this.totalItems = totalItems;
        this.doneBytes = 0;
        this.doneItems = 0;
        out.println(task + ": " + totalItems + " blobs, " + Progress.size(totalBytes));
        out.flush();
    }

    @Override
    public void advance(long bytes) {
        doneBytes += bytes;
    }

    @Override
    public void itemDone(String what) {
        doneItems++;
        out.println(task + ": [" + doneItems + "/" + totalItems + "] " + what + " ("
                + Progress.size(doneBytes) + " of " + Progress.size(totalBytes) + ")");
        out.flush();
    }

    @Override
    public void end(String summary) {
        out.println(task + ": " + summary);
        out.flush();
    }
}
