package dev.longshore.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Every figure of a run in one Markdown table: a row per figure, a column per mirror, each cell the value and its
 * ratio to the reference mirror's. Each scenario also gets a row counting the whole, correct responses, so a fast
 * but wrong mirror shows.
 */
final class MarkdownTable {

    private MarkdownTable() {
    }

    static String render(Results results, List<Mirror> mirrors, String reference) {
        StringBuilder out = new StringBuilder();
        out.append("| scenario | figure |");
        mirrors.forEach(m -> out.append(' ').append(m.label()).append(m.key().equals(reference) ? " (reference)" : "").append(" |"));
        out.append("\n|---|---|");
        mirrors.forEach(m -> out.append("---:|"));
        out.append('\n');
        Set<String> scenarios = new LinkedHashSet<>();
        Metric.ALL.forEach(m -> scenarios.add(m.scenario()));
        for (String scenario : scenarios) {
            List<String[]> rows = new ArrayList<>();
            for (Metric metric : Metric.ALL) {
                if (!metric.scenario().equals(scenario) || !anyValue(results, mirrors, metric)) {
                    continue;
                }
                List<String> cells = new ArrayList<>();
                OptionalDouble ref = results.value(reference, scenario, metric.key());
                for (Mirror mirror : mirrors) {
                    cells.add(cell(results.value(mirror.key(), scenario, metric.key()), ref));
                }
                rows.add(row(metric.label() + " (" + metric.better() + ")", cells));
            }
            if (rows.isEmpty()) {
                continue;
            }
            List<String> whole = wholeCells(results, mirrors, scenario);
            if (whole.stream().anyMatch(cell -> !cell.isEmpty())) {
                rows.add(row("whole, correct responses", whole));
            }
            boolean first = true;
            for (String[] row : rows) {
                out.append("| ").append(first ? results.title(scenario) : "").append(" | ").append(row[0]).append(" |");
                for (int i = 1; i < row.length; i++) {
                    out.append(' ').append(row[i]).append(" |");
                }
                out.append('\n');
                first = false;
            }
        }
        return out.toString();
    }

    private static boolean anyValue(Results results, List<Mirror> mirrors, Metric metric) {
        return mirrors.stream().anyMatch(m -> results.value(m.key(), metric.scenario(), metric.key()).isPresent());
    }

    private static List<String> wholeCells(Results results, List<Mirror> mirrors, String scenario) {
        List<String> cells = new ArrayList<>();
        for (Mirror mirror : mirrors) {
            OptionalDouble whole = results.value(mirror.key(), scenario, "whole");
            OptionalDouble expected = results.value(mirror.key(), scenario, "expected");
            cells.add(whole.isPresent() && expected.isPresent()
                    ? (long) whole.getAsDouble() + "/" + (long) expected.getAsDouble() : "");
        }
        return cells;
    }

    private static String[] row(String label, List<String> cells) {
        String[] row = new String[cells.size() + 1];
        row[0] = label;
        for (int i = 0; i < cells.size(); i++) {
            row[i + 1] = cells.get(i);
        }
        return row;
    }

    static String cell(OptionalDouble value, OptionalDouble reference) {
        if (value.isEmpty()) {
            return "n/a";
        }
        String text = number(value.getAsDouble());
        if (reference.isEmpty() || reference.getAsDouble() == 0) {
            return text;
        }
        return text + " (" + ratio(value.getAsDouble() / reference.getAsDouble()) + "×)";
    }

    /** Three significant figures or so, without scientific notation. */
    static String number(double v) {
        double abs = Math.abs(v);
        if (v == Math.rint(v) && abs < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        String pattern = abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : abs >= 0.1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    private static String ratio(double r) {
        return r >= 100 ? String.format(Locale.ROOT, "%.0f", r)
                : r >= 10 ? String.format(Locale.ROOT, "%.1f", r)
                : r >= 0.01 ? String.format(Locale.ROOT, "%.2f", r)
                : String.format(Locale.ROOT, "%.3f", r);
    }
}
