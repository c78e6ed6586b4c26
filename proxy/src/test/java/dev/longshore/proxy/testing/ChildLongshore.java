package dev.longshore.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The real main in a JVM of its own ({@code java -cp <the test class path> dev.longshore.proxy.Main serve ...}), for
 * tests that kill Longshore with SIGKILL and restart it on the same data directory.
 */
public final class ChildLongshore {
    private static final Pattern LISTENING = Pattern.compile("Longshore listening on /127\\.0\\.0\\.1:(\\d+)");

    private ChildLongshore() {
    }

    /** Starts {@code serve} on a free loopback port with {@code jvmOptions} and {@code serveArgs}; output goes to {@code log}. */
    public static Process start(List<String> jvmOptions, List<String> serveArgs, Path log) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", classPath, "dev.longshore.proxy.Main", "serve",
                "--listen", "127.0.0.1:0"));
        command.addAll(serveArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The port the child says it listens on, once it does; fails with its log if it exits first. */
    public static int awaitPort(Process child, Path log) {
        int[] port = {0};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!child.isAlive()) {
                throw new AssertionError("Longshore exited with " + child.exitValue() + ":\n" + Files.readString(log));
            }
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        return port[0];
    }
}
