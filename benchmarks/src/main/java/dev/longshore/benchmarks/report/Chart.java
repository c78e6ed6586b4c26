package dev.longshore.benchmarks.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The run as a PNG of small bar charts, one per charted figure, one bar per mirror, drawn with Java2D (headless), so
 * the harness needs no plotting package. Each panel says which way is better; missing values draw no bar.
 */
final class Chart {

    private static final int COLUMNS = 4;
    private static final int PANEL_WIDTH = 420;
    private static final int PANEL_HEIGHT = 280;
    private static final int HEADER = 90;
    private static final Color[] COLORS = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd), new Color(0x8c564b)};

    private Chart() {
    }

    static void write(Results results, List<Mirror> mirrors, String title, Path png) throws IOException {
        List<Metric> metrics = Metric.ALL.stream()
                .filter(Metric::charted)
                .filter(m -> mirrors.stream().anyMatch(mirror -> results.value(mirror.key(), m.scenario(), m.key()).isPresent()))
                .toList();
        int rows = Math.max(1, (metrics.size() + COLUMNS - 1) / COLUMNS);
        BufferedImage image = new BufferedImage(COLUMNS * PANEL_WIDTH, HEADER + rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            header(g, title, mirrors);
            for (int i = 0; i < metrics.size(); i++) {
                panel(g, results, mirrors, metrics.get(i),
                        (i % COLUMNS) * PANEL_WIDTH, HEADER + (i / COLUMNS) * PANEL_HEIGHT);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", png.toFile());
    }

    private static void header(Graphics2D g, String title, List<Mirror> mirrors) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(title, 16, 32);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        int x = 16;
        for (int i = 0; i < mirrors.size(); i++) {
            g.setColor(COLORS[i % COLORS.length]);
            g.fillRect(x, 52, 16, 16);
            g.setColor(Color.BLACK);
            g.drawString(mirrors.get(i).label(), x + 22, 66);
            x += 44 + g.getFontMetrics().stringWidth(mirrors.get(i).label());
        }
    }

    private static void panel(Graphics2D g, Results results, List<Mirror> mirrors, Metric metric, int x, int y) {
        g.setColor(new Color(0xdddddd));
        g.setStroke(new BasicStroke(1));
        g.drawRect(x + 6, y + 6, PANEL_WIDTH - 12, PANEL_HEIGHT - 12);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        drawClipped(g, results.title(metric.scenario()), x + 14, y + 26, PANEL_WIDTH - 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        drawClipped(g, metric.label() + " (" + metric.better() + ")", x + 14, y + 44, PANEL_WIDTH - 28);

        double max = 0;
        for (Mirror mirror : mirrors) {
            OptionalDouble v = results.value(mirror.key(), metric.scenario(), metric.key());
            if (v.isPresent()) {
                max = Math.max(max, v.getAsDouble());
            }
        }
        int plotTop = y + 70;
        int plotBottom = y + PANEL_HEIGHT - 24;
        int slot = (PANEL_WIDTH - 40) / mirrors.size();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < mirrors.size(); i++) {
            int barX = x + 20 + i * slot + slot / 6;
            int barWidth = slot * 2 / 3;
            OptionalDouble v = results.value(mirrors.get(i).key(), metric.scenario(), metric.key());
            String text = v.isPresent() ? MarkdownTable.number(v.getAsDouble()) : "n/a";
            int height = v.isPresent() && max > 0 ? (int) Math.round((plotBottom - plotTop) * v.getAsDouble() / max) : 0;
            g.setColor(COLORS[i % COLORS.length]);
            g.fillRect(barX, plotBottom - height, barWidth, height);
            g.setColor(Color.BLACK);
            g.drawString(text, barX + (barWidth - fm.stringWidth(text)) / 2, plotBottom - height - 4);
        }
        g.setColor(Color.GRAY);
        g.drawLine(x + 16, plotBottom, x + PANEL_WIDTH - 16, plotBottom);
    }

    private static void drawClipped(Graphics2D g, String text, int x, int y, int width) {
        FontMetrics fm = g.getFontMetrics();
        String shown = text;
        while (fm.stringWidth(shown) > width && shown.length() > 4) {
            shown = shown.substring(0, shown.length() - 4) + "…";
        }
        g.drawString(shown, x, y);
    }
}
