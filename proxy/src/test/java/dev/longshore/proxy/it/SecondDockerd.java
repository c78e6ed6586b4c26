package dev.longshore.proxy.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A second, throw-away Docker daemon with {@code --registry-mirror} set: its own socket, data root, exec root and
 * pid file in a {@code /tmp/longshore-it-dockerd.*} directory (scripts/test cleans those up if a JVM dies).
 * Needs root, like dockerd itself.
 *
 * <p>It gets a bridge of its own ({@code lsit*}, created here with {@code ip link}), NOT {@code --bridge=none}:
 * dockerd 20.10 with {@code --bridge=none} deletes the host's {@code docker0} interface at startup, which cuts the
 * machine daemon's containers (here: the upstream registry) off their published ports.
 */
final class SecondDockerd implements AutoCloseable {

    private final Path dir;
    private final String bridge;
    private final Process process;

    private SecondDockerd(Path dir, String bridge, Process process) {
        this.dir = dir;
        this.bridge = bridge;
        this.process = process;
    }

    /** Can this machine run one? (root, dockerd and ip on PATH) */
    static boolean possible() {
        return "root".equals(System.getProperty("user.name")) && Processes.onPath("dockerd") && Processes.onPath("ip");
    }

    static SecondDockerd start(String registryMirrorUrl) {
        Path dir;
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "longshore-it-dockerd.");
            Files.writeString(dir.resolve("daemon.json"), "{}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String bridge = "lsit" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        String subnet = "10.213." + ThreadLocalRandom.current().nextInt(1, 255) + ".1/24";
        write(dir.resolve("bridge"), bridge);
        Processes.run(DockerCli.SHORT_TIMEOUT, "ip", "link", "add", "name", bridge, "type", "bridge").orFail();
        Process process = null;
        try {
            Processes.run(DockerCli.SHORT_TIMEOUT, "ip", "addr", "add", subnet, "dev", bridge).orFail();
            List<String> cmd = new ArrayList<>(List.of("dockerd",
                    "--config-file", dir.resolve("daemon.json").toString(),   // not /etc/docker/daemon.json
                    "--host", "unix://" + dir.resolve("docker.sock"),
                    "--data-root", dir.resolve("data").toString(),
                    "--exec-root", dir.resolve("exec").toString(),
                    "--pidfile", dir.resolve("dockerd.pid").toString(),
                    "--bridge", bridge,
                    "--iptables=false", "--ip-masq=false", "--ip-forward=false",
                    "--storage-driver", "vfs",
                    "--registry-mirror", registryMirrorUrl));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dockerd.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().remove("DOCKER_HOST");
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SecondDockerd daemon = new SecondDockerd(dir, bridge, process);
            Process p = process;
            await("second dockerd answers on " + daemon.socket()).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .failFast(() -> {
                        if (!p.isAlive()) {
                            throw new AssertionError("dockerd exited " + p.exitValue() + "; its log:\n" + daemon.logTail());
                        }
                    })
                    .until(() -> daemon.cli().answers());
            return daemon;
        } catch (RuntimeException | Error e) {
            new SecondDockerd(dir, bridge, process).close();
            throw e;
        }
    }

    Path socket() {
        return dir.resolve("docker.sock");
    }

    DockerCli cli() {
        return DockerCli.at(socket());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("dockerd.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops dockerd by its PID (SIGTERM, then SIGKILL after 30 s), removes its bridge and its directory. */
    @Override
    public void close() {
        try {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Processes.run(DockerCli.SHORT_TIMEOUT, "ip", "link", "del", bridge);
            unmountUnder(dir);
            deleteTree(dir);
        }
    }

    /** A killed dockerd leaves its data root bind-mounted onto itself; a clean stop unmounts it. */
    private static void unmountUnder(Path dir) {
        try {
            String prefix = dir.toString();
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4])
                    .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/"))
                    .sorted(Comparator.reverseOrder())
                    .toList();
            for (String m : mounts) {
                Processes.run(DockerCli.SHORT_TIMEOUT, "umount", "-l", m);
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort; scripts/test removes leftovers
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
