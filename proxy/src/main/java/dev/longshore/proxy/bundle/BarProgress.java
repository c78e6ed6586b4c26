package dev.longshore.proxy.bundle;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintWriter;

/** Progress on a terminal: one bar per task in MiB with speed, and the blobs done so far beside it. */
final class BarProgress implements Progress {

    private final PrintWriter out;
    private ProgressBar bar;
    private int totalItems;
    private int doneItems;

    BarProgress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void begin(String task, long totalBytes, int totalItems) {
        this.totalItems = totalItems;
        this.doneItems = 0;
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(totalBytes, 1))
                .setUnit(" MiB", 1024 * 1024)
                .setUpdateIntervalMillis(200)
                .showSpeed()
                .build();
        bar.setExtraMessage(layers());
    }

    @Override
    public void advance(long bytes) {
        bar.stepBy(bytes);
    }

    @Override
    public void itemDone(String what) {
        doneItems++;
        bar.setExtraMessage(layers());
    }

    @Override
    public void end(String summary) {
        bar.close();
        bar = null;
        out.println(summary);
        out.flush();
    }

    private String layers() {
        return " " + doneItems + "/" + totalItems + " blobs";
    }
}
