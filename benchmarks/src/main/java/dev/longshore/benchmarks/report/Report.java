package dev.longshore.benchmarks.report;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Turns a run's JSON lines into {@code results.md} (a heading, the notes the harness passes, e.g. the machine's load,
 * and the table) and {@code results.png}.
 */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Write results.md and results.png for a run.")
public final class Report implements Callable<Integer> {

    @Option(names = "--results", required = true, description = "The JSON lines the load generator wrote.")
    Path results;

    @Option(names = "--out", required = true, description = "Directory for results.md and results.png.")
    Path out;

    @Option(names = "--mirror", required = true, description = "key=Label of a mirror, in column order; repeatable.")
    List<String> mirrors;

    @Option(names = "--reference", required = true, description = "Key of the mirror the ratios are relative to.")
    String reference;

    @Option(names = "--title", defaultValue = "Longshore benchmarks", description = "Heading of the report and chart.")
    String title;

    @Option(names = "--note", description = "A line for the report's preamble; repeatable.")
    List<String> notes = List.of();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Report()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Results figures = Results.read(results);
        List<Mirror> columns = mirrors.stream().map(Mirror::parse).toList();
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        notes.forEach(note -> md.append("- ").append(note).append('\n'));
        md.append("\nEach cell: the figure, then its ratio to the reference mirror's in parentheses.\n\n");
        md.append(MarkdownTable.render(figures, columns, reference));
        md.append("\n![chart](results.png)\n");
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), md, StandardCharsets.UTF_8);
        Chart.write(figures, columns, title, out.resolve("results.png"));
        System.out.print(md);
        return 0;
    }
}
