package dev.longshore.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time and peak memory of a mirror, read from /proc for its process and every descendant (nginx works in child
 * processes; a JVM or Go binary is one process). CPU is {@code utime + stime} of /proc/PID/stat, peak memory the sum of
 * {@code VmHWM} of /proc/PID/status, which counts pages shared between nginx's workers more than once.
 */
public final class ProcessTree {

    /** Linux reports /proc times in USER_HZ ticks, 100 per second on every mainstream architecture. */
    private static final double TICKS_PER_SECOND = 100;

    private ProcessTree() {
    }

    public static double cpuSeconds(long pid) throws IOException {
        long ticks = 0;
        for (long p : withDescendants(pid)) {
            String[] fields = statFields(p);
            if (fields != null) {
                // After "pid (comm)": fields[0] is state (field 3), so utime (field 14) is fields[11], stime fields[12].
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    public static long peakRssKiB(long pid) throws IOException {
        long kib = 0;
        for (long p : withDescendants(pid)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p), "status"))) {
                    if (line.startsWith("VmHWM:")) {
                        kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException gone) {
                // The process ended between listing and reading.
            }
        }
        return kib;
    }

    static List<Long> withDescendants(long root) throws IOException {
        Map<Long, List<Long>> children = new HashMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                String[] fields = statFields(pid);
                if (fields != null) {
                    children.computeIfAbsent(Long.parseLong(fields[1]), k -> new ArrayList<>()).add(pid);
                }
            }
        }
        List<Long> tree = new ArrayList<>();
        tree.add(root);
        for (int i = 0; i < tree.size(); i++) {
            tree.addAll(children.getOrDefault(tree.get(i), List.of()));
        }
        return tree;
    }

    /** The fields of /proc/PID/stat after the command name (which may hold spaces), or null if the process is gone. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }
}
