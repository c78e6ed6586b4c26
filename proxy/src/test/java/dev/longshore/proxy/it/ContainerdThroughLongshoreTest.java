package dev.longshore.proxy.it;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * containerd through Longshore as a cluster node would use it: {@code ctr images pull --hosts-dir} with a
 * {@code _default/hosts.toml} that names Longshore as the mirror for every registry. containerd then asks the
 * mirror for {@code /v2/<repo>/manifests/<tag>?ns=<registry>}, and Longshore must pick the upstream by that
 * {@code ns}. Two upstreams hold the SAME repository and tag with different content, so a pull that gets each
 * upstream's own digest proves both the routing and that cache keys include the upstream. The same client then
 * pulls through an upstream outage (the cached tag, served stale) and through a Longshore started {@code offline}.
 *
 * <p>Uses the containerd that dockerd runs (its socket under /run/docker/containerd), in a namespace of this
 * run's own, removed at the end with everything in it.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdThroughLongshoreTest {

    private static final List<Path> SOCKETS = List.of(
            Path.of("/run/docker/containerd/containerd.sock"), Path.of("/run/containerd/containerd.sock"));
    private static final String NAMESPACE = "longshore-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private static final String REPOSITORY = "team/app";
    private static final String HUB_REF = "docker.io/" + REPOSITORY + ":1";
    private static final String LOCAL_REF = "registry.test.local/" + REPOSITORY + ":1";

    @TempDir
    static Path work;

    private static Path socket;
    private static UpstreamRegistry hub;
    private static UpstreamRegistry local;
    private static TestImages.Seeded hubImage;
    private static TestImages.Seeded localImage;
    private static LongshoreUnderTest longshore;
    private static CapturedLogs access;
    private static Path hostsDir;

    @BeforeAll
    static void seedTwoUpstreamsAndStartLongshore() throws Exception {
        assumeFalse(LongshoreUnderTest.DIRECT, "routing by ns needs Longshore; no direct mode");
        assumeTrue(Processes.onPath("ctr"), "ctr is not installed (scripts/docker-up installs containerd)");
        socket = SOCKETS.stream().filter(ContainerdThroughLongshoreTest::answers).findFirst().orElse(null);
        assumeTrue(socket != null, "no containerd answers on " + SOCKETS);

        hub = UpstreamRegistry.start();
        local = UpstreamRegistry.start();
        DockerCli docker = DockerCli.machine();
        hubImage = new TestImages(docker, hub, work.resolve("hub")).singleLayer(REPOSITORY, "1");
        localImage = new TestImages(docker, local, work.resolve("local")).singleLayer(REPOSITORY, "1");
        assertThat(hubImage.manifestDigest()).as("the two upstreams' team/app:1").isNotEqualTo(localImage.manifestDigest());

        access = CapturedLogs.capture(Level.INFO, "longshore.access");
        longshore = LongshoreUnderTest.startWithConfig(config(false), work.resolve("longshore-data"));
        hostsDir = work.resolve("hosts");
        writeHostsToml(longshore);
    }

    /** docker.io with a zero tag TTL: every pull of a tag asks the upstream, so an outage shows at once. */
    private static String config(boolean offline) {
        return """
                offline: %s
                upstreams:
                  - name: docker.io
                    url: %s
                    tagTtl: 0s
                  - name: registry.test.local
                    url: %s
                """.formatted(offline, hub.url(), local.url());
    }

    /** _default: Longshore is the mirror for every registry. server: no fallback to the registry itself (no DNS,
     * no network), so a pull can only succeed through Longshore. */
    private static void writeHostsToml(LongshoreUnderTest mirror) throws IOException {
        Files.createDirectories(hostsDir.resolve("_default"));
        Files.writeString(hostsDir.resolve("_default/hosts.toml"), """
                server = "http://127.0.0.1:9"

                [host."http://%s"]
                  capabilities = ["pull", "resolve"]
                """.formatted(mirror.hostPort()));
    }

    @AfterAll
    static void removeNamespaceAndStopAll() {
        try {
            if (socket != null) {
                removeNamespace();
            }
        } finally {
            try {
                if (longshore != null) {
                    longshore.close();
                }
                if (access != null) {
                    access.close();
                }
            } finally {
                if (hub != null) {
                    hub.close();
                }
                if (local != null) {
                    local.close();
                }
            }
        }
    }

    @Test
    void ctrWithDefaultHostsToml_pullsTheSameNameFromTwoUpstreams_eachWithItsUpstreamsDigest() {
        pull(HUB_REF);
        pull(LOCAL_REF);

        assertThat(imageDigest(HUB_REF)).as("%s via ns=docker.io", HUB_REF).contains(hubImage.manifestDigest());
        assertThat(imageDigest(LOCAL_REF)).as("%s via ns=registry.test.local", LOCAL_REF).contains(localImage.manifestDigest());
        for (String ref : List.of(HUB_REF, LOCAL_REF)) {
            assertThat(ctr("images", "check", "name==" + ref).stdout()).as("ctr images check %s", ref).contains("complete");
        }
        // containerd did ask by ns (and not, say, by a path the default upstream would also answer)
        assertThat(access.lines()).anyMatch(l -> l.contains("/v2/" + REPOSITORY + "/manifests/1?ns=docker.io"))
                .anyMatch(l -> l.contains("/v2/" + REPOSITORY + "/manifests/1?ns=registry.test.local"));
    }

    @Test
    void ctr_nsOfNoConfiguredUpstream_getsNameUnknown() throws Exception {
        Processes.Result pull = tryCtr(DockerCli.PULL_TIMEOUT, "images", "pull", "--hosts-dir", hostsDir.toString(),
                "unknown.test.local/" + REPOSITORY + ":1");
        assertThat(pull.ok()).as("pull of a registry Longshore does not mirror:\n%s", pull.describe()).isFalse();

        HttpResponse<String> r = get("/v2/" + REPOSITORY + "/manifests/1?ns=unknown.test.local");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Json.parse(r.body()).path("errors").get(0).path("code").asText()).isEqualTo("NAME_UNKNOWN");
    }

    @Test
    @Order(1)
    void ctr_whileAnUpstreamIsDown_pullsItsCachedTag_servedStale() {
        pull(HUB_REF);
        removeImage(HUB_REF);
        hub.stop();
        try {
            pull(HUB_REF);
            assertThat(imageDigest(HUB_REF)).contains(hubImage.manifestDigest());
            assertThat(access.lines()).as("Longshore's access log")
                    .anyMatch(l -> l.contains("/v2/" + REPOSITORY + "/manifests/1?ns=docker.io") && l.contains("fwd=stale"));
        } finally {
            hub.restart();
        }
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: it replaces the class's Longshore with an offline one
    void ctr_withLongshoreOffline_pullsWhatIsCached_andGetsNotFoundForTheRest() throws Exception {
        pull(HUB_REF);
        pull(LOCAL_REF);
        removeImage(HUB_REF);
        removeImage(LOCAL_REF);
        longshore.close();
        longshore = LongshoreUnderTest.startWithConfig(config(true), work.resolve("longshore-data"));
        writeHostsToml(longshore);

        pull(HUB_REF);
        pull(LOCAL_REF);
        assertThat(imageDigest(HUB_REF)).contains(hubImage.manifestDigest());
        assertThat(imageDigest(LOCAL_REF)).contains(localImage.manifestDigest());

        Processes.Result uncached = tryCtr(DockerCli.PULL_TIMEOUT, "images", "pull", "--hosts-dir", hostsDir.toString(),
                "docker.io/team/not-cached:1");
        assertThat(uncached.ok()).as("an uncached pull while offline:\n%s", uncached.describe()).isFalse();
        HttpResponse<String> r = get("/v2/team/not-cached/manifests/1?ns=docker.io");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).containsIgnoringCase("offline");
    }

    private static HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + longshore.hostPort() + pathAndQuery))
                .header("Accept", UpstreamRegistry.ACCEPT_ALL).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Removes the image and, by a synchronous GC, its content: the next pull fetches every blob again. */
    private static void removeImage(String ref) {
        ctr("images", "rm", "--sync", ref);
    }

    private static void pull(String ref) {
        Processes.Result pull = tryCtr(DockerCli.PULL_TIMEOUT, "images", "pull", "--hosts-dir", hostsDir.toString(), ref);
        assertThat(pull.ok()).as("ctr pull %s through Longshore:\n%s", ref, pull.describe()).isTrue();
    }

    /** The image's target digest, from {@code ctr images ls} (REF TYPE DIGEST SIZE PLATFORMS LABELS). */
    private static Optional<String> imageDigest(String ref) {
        for (String line : ctr("images", "ls").stdout().split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 3 && columns[0].equals(ref)) {
                return Optional.of(columns[2]);
            }
        }
        return Optional.empty();
    }

    private static Processes.Result ctr(String... args) {
        return tryCtr(DockerCli.SHORT_TIMEOUT, args).orFail();
    }

    private static Processes.Result tryCtr(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "-n", NAMESPACE));
        cmd.addAll(List.of(args));
        return Processes.run(timeout, Map.of(), null, cmd);
    }

    private static boolean answers(Path candidate) {
        return Files.exists(candidate)
                && Processes.run(Duration.ofSeconds(15), "ctr", "--address", candidate.toString(), "version").ok();
    }

    /** Images (with a synchronous GC of their content and snapshots), leftovers, then the namespace itself. */
    private static void removeNamespace() {
        List<String> images = lines(tryCtr(DockerCli.SHORT_TIMEOUT, "images", "ls", "-q"));
        if (!images.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("images", "rm", "--sync"));
            rm.addAll(images);
            tryCtr(DockerCli.SHORT_TIMEOUT, rm.toArray(String[]::new));
        }
        for (String snapshot : lines(tryCtr(DockerCli.SHORT_TIMEOUT, "snapshots", "ls")).stream().skip(1)
                .map(l -> l.split("\\s+")[0]).toList()) {
            tryCtr(DockerCli.SHORT_TIMEOUT, "snapshots", "rm", snapshot);
        }
        for (String digest : lines(tryCtr(DockerCli.SHORT_TIMEOUT, "content", "ls", "-q"))) {
            tryCtr(DockerCli.SHORT_TIMEOUT, "content", "rm", digest);
        }
        Processes.Result rm = Processes.run(DockerCli.SHORT_TIMEOUT, "ctr", "--address", socket.toString(),
                "namespaces", "rm", NAMESPACE);
        assertThat(rm.ok()).as("containerd namespace %s removed:\n%s", NAMESPACE, rm.describe()).isTrue();
    }

    private static List<String> lines(Processes.Result r) {
        return r.ok() ? r.stdout().lines().map(String::trim).filter(l -> !l.isEmpty()).toList() : List.of();
    }
}
