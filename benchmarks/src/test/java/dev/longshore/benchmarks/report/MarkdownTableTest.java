package dev.longshore.benchmarks.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownTableTest {

    @Test
    void cell_showsTheValueAndItsRatioToTheReference() {
        assertThat(MarkdownTable.cell(OptionalDouble.of(5), OptionalDouble.of(20))).isEqualTo("5 (0.25×)");
        assertThat(MarkdownTable.cell(OptionalDouble.of(12345.6), OptionalDouble.of(41.2))).isEqualTo("12346 (300×)");
    }

    @Test
    void cell_withoutAValueOrReference_saysSo() {
        assertThat(MarkdownTable.cell(OptionalDouble.empty(), OptionalDouble.of(1))).isEqualTo("n/a");
        assertThat(MarkdownTable.cell(OptionalDouble.of(2.5), OptionalDouble.of(0))).isEqualTo("2.50");
    }

    @Test
    void render_oneRowPerFigure_plusTheWholeResponsesRow() {
        Results results = new Results();
        results.title("cold-blob", "one cold 64 MiB blob, 8 clients at once");
        results.put("longshore", "cold-blob", "wall_s", 1.5);
        results.put("registry-proxy", "cold-blob", "wall_s", 3.0);
        results.put("longshore", "cold-blob", "whole", 8);
        results.put("longshore", "cold-blob", "expected", 8);

        String table = MarkdownTable.render(results,
                List.of(new Mirror("longshore", "Longshore"), new Mirror("registry-proxy", "registry proxy")),
                "registry-proxy");

        assertThat(table).contains("| scenario | figure | Longshore | registry proxy (reference) |")
                .contains("| one cold 64 MiB blob, 8 clients at once | wall time until the last client is done, s"
                        + " (lower is better) | 1.50 (0.50×) | 3 (1.00×) |")
                .contains("|  | whole, correct responses | 8/8 |  |");
    }
}
