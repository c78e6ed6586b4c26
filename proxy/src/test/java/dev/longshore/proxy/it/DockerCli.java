package dev.longshore.proxy.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The real {@code docker} CLI against one daemon: the machine's (default socket) or a test daemon ({@code -H unix://...}).
 * The e2e tests drive images with the same tool a user would.
 */
final class DockerCli {

    static final Duration PULL_TIMEOUT = Duration.ofSeconds(120);
    static final Duration SHORT_TIMEOUT = Duration.ofSeconds(60);

    /** Label on every image these tests build or import, so that scripts/test can clean up after a killed run. */
    static final String LABEL = "dev.longshore.it=true";

    private final String host;

    private DockerCli(String host) {
        this.host = host;
    }

    /** The machine's daemon, as the docker CLI finds it by default. */
    static DockerCli machine() {
        return new DockerCli(null);
    }

    static DockerCli at(Path unixSocket) {
        return new DockerCli("unix://" + unixSocket);
    }

    Processes.Result run(Duration timeout, String... args) {
        return run(timeout, null, args);
    }

    Processes.Result run(Duration timeout, byte[] stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        if (host != null) {
            cmd.add("-H");
            cmd.add(host);
        }
        cmd.addAll(Arrays.asList(args));
        // DOCKER_BUILDKIT=0: the legacy builder; there is no buildx on these machines.
        return Processes.run(timeout, Map.of("DOCKER_BUILDKIT", "0"), stdin, cmd);
    }

    /** True when the daemon answers within a few seconds. */
    boolean answers() {
        try {
            return run(Duration.ofSeconds(15), "version", "--format", "{{.Server.Version}}").ok();
        } catch (AssertionError e) {
            return false;
        }
    }

    /** {@code docker build -t tag -} with the Dockerfile on stdin (no context); returns the image ID. */
    String buildFromStdin(String tag, String dockerfile) {
        run(Duration.ofSeconds(180), dockerfile.getBytes(StandardCharsets.UTF_8),
                "build", "--label", LABEL, "-t", tag, "-").orFail();
        return imageId(tag);
    }

    /** {@code docker import} of a rootfs tarball; returns the image ID. */
    String importTarball(Path tar, String tag) {
        run(SHORT_TIMEOUT, "import", "--change", "LABEL " + LABEL, tar.toString(), tag).orFail();
        return imageId(tag);
    }

    void tag(String source, String target) {
        run(SHORT_TIMEOUT, "tag", source, target).orFail();
    }

    void push(String ref) {
        run(PULL_TIMEOUT, "push", ref).orFail();
    }

    Processes.Result pull(String ref) {
        return run(PULL_TIMEOUT, "pull", ref);
    }

    /** Removes images by reference or ID; references that do not exist are fine. */
    void removeImages(String... refs) {
        for (String ref : refs) {
            Processes.Result r = run(SHORT_TIMEOUT, "rmi", "-f", ref);
            if (!r.ok() && !r.stderr().contains("No such image")) {
                throw new AssertionError(r.describe());
            }
        }
    }

    boolean imageExists(String ref) {
        return run(SHORT_TIMEOUT, "image", "inspect", ref).ok();
    }

    String imageId(String ref) {
        return inspect(ref, "{{.Id}}");
    }

    /** {@code docker image inspect --format}; trimmed output. */
    String inspect(String ref, String format) {
        return run(SHORT_TIMEOUT, "image", "inspect", "--format", format, ref).orFail().stdout().trim();
    }

    List<String> repoDigests(String ref) {
        String json = inspect(ref, "{{json .RepoDigests}}");
        return Json.stringList(json);
    }

    List<String> layerDiffIds(String ref) {
        return Json.stringList(inspect(ref, "{{json .RootFS.Layers}}"));
    }
}
