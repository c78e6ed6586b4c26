package dev.longshore.proxy.admin;

import dev.longshore.proxy.testing.LeakWatcher;
import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.config.AccessLogTarget;
import dev.longshore.config.SettingsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(LeakWatcher.class)
class AccessLogTest {
    @TempDir
    Path dir;

    @Test
    void accessLog_writesOneJsonLinePerRequest_withEveryField() throws Exception {
        Path log = dir.resolve("logs").resolve("access.jsonl");
        Instant before = Instant.now().minusSeconds(1);
        try (AdminHarness harness = new AdminHarness(dir.resolve("data"), 16 * 1024, new AccessLogTarget.File(log))) {
            String blob = harness.upstream.blobPath(harness.upstream.layerDigest);
            assertThat(harness.pull("GET", blob + "?ns=" + AdminHarness.UPSTREAM).statusCode()).isEqualTo(200);
            assertThat(harness.pull("HEAD", "/v2/team/missing/manifests/1").statusCode()).isEqualTo(404);
            assertThat(harness.pull("PUT", "/v2/team/app/manifests/1").statusCode()).isEqualTo(405);
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(log) && Files.readAllLines(log).size() == 3);
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(3);

        JsonNode get = AdminHarness.JSON.readTree(lines.get(0));
        assertThat(get.fieldNames()).toIterable().containsExactly("time", "client", "user", "method", "path", "route",
                "status", "bytes", "cache", "upstream", "durationMs", "completed");
        assertThat(Instant.parse(get.get("time").asText())).isAfter(before);
        assertThat(get.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(get.get("user").isNull()).isTrue();
        assertThat(get.get("method").asText()).isEqualTo("GET");
        assertThat(get.get("path").asText()).endsWith("/blobs/" + "sha256:" + get.get("path").asText().split("sha256:")[1]).contains("?ns=registry.test");
        assertThat(get.get("route").asText()).isEqualTo("blob");
        assertThat(get.get("status").asInt()).isEqualTo(200);
        assertThat(get.get("bytes").asLong()).isGreaterThan(16 * 1024);
        assertThat(get.get("cache").asText()).isEqualTo("fwd=miss");
        assertThat(get.get("upstream").asText()).isEqualTo(AdminHarness.UPSTREAM);
        assertThat(get.get("durationMs").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(get.get("completed").asBoolean()).isTrue();

        JsonNode head = AdminHarness.JSON.readTree(lines.get(1));
        assertThat(head.get("method").asText()).isEqualTo("HEAD");
        assertThat(head.get("status").asInt()).isEqualTo(404);
        assertThat(head.get("route").asText()).isEqualTo("manifest");
        assertThat(head.get("cache").isNull()).isTrue();

        JsonNode put = AdminHarness.JSON.readTree(lines.get(2));
        assertThat(put.get("method").asText()).isEqualTo("PUT");
        assertThat(put.get("status").asInt()).isEqualTo(405);
        assertThat(put.get("route").asText()).isEqualTo("other");
        assertThat(put.get("upstream").isNull()).isTrue();
    }

    @Test
    void aBurstFromManyClients_isLoggedInFullAsOneJsonLineEach_evenWhenTheServerStopsRightAfter() throws Exception {
        Path log = dir.resolve("access.jsonl");
        int clients = 8;
        int requestsEach = 50;
        try (AdminHarness harness = new AdminHarness(dir.resolve("data"), 1024, new AccessLogTarget.File(log));
             ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < requestsEach; i++) {
                        assertThat(harness.pull("PUT", "/v2/team/c" + client + "/manifests/" + i).statusCode()).isEqualTo(405);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } // closing right away: the lines still queued are written, not lost

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(clients * requestsEach);
        Set<String> paths = new HashSet<>();
        for (String line : lines) {
            paths.add(AdminHarness.JSON.readTree(line).get("path").asText());
        }
        assertThat(paths).hasSize(clients * requestsEach);
    }

    @Test
    void anAccessLogThatCannotBeWritten_stopsTheStart_namingTheSetting() throws Exception {
        Files.writeString(dir.resolve("not-a-dir"), "");
        Path log = dir.resolve("not-a-dir").resolve("access.jsonl");
        assertThatThrownBy(() -> new AdminHarness(dir.resolve("data"), 1024, new AccessLogTarget.File(log)).close())
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("accessLog"))
                .hasMessageContaining("cannot write " + log);
    }

    @Test
    void accessLog_countsWhatAClientThatLeftMidBlobWasSent() throws Exception {
        Path log = dir.resolve("access.jsonl");
        int size = 32 << 20;
        try (AdminHarness harness = new AdminHarness(dir.resolve("data"), size, new AccessLogTarget.File(log))) {
            String blob = harness.upstream.blobPath(harness.upstream.layerDigest) + "?ns=" + AdminHarness.UPSTREAM;
            assertThat(harness.pull("GET", blob).statusCode()).isEqualTo(200); // cached: the next GET is a file region
            try (Socket socket = new Socket("127.0.0.1", harness.server.address().getPort())) {
                socket.setReceiveBufferSize(64 * 1024);
                socket.getOutputStream().write(("GET " + blob + " HTTP/1.1\r\nHost: mirror\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getInputStream().readNBytes(1 << 20);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && Files.readAllLines(log).size() == 2);
        }
        JsonNode abandoned = AdminHarness.JSON.readTree(Files.readAllLines(log).get(1));
        assertThat(abandoned.get("cache").asText()).isEqualTo("hit");
        assertThat(abandoned.get("completed").asBoolean()).isFalse();
        assertThat(abandoned.get("bytes").asLong()).isGreaterThanOrEqualTo(1 << 20).isLessThan(size);
    }
}
