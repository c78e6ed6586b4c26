package dev.longshore.proxy.admin;

import dev.longshore.proxy.testing.LeakWatcher;
import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.config.AccessLogTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(LeakWatcher.class)
class AdminApiTest {
    @TempDir
    Path data;

    private AdminHarness harness;
    private ScriptedRegistry upstream;

    @BeforeEach
    void start() throws Exception {
        harness = new AdminHarness(data, 32 * 1024, AccessLogTarget.OFF);
        upstream = harness.upstream;
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    /** docker pull's requests for team/app:1, until its blobs are cached. */
    private void pullImage() throws Exception {
        assertThat(harness.pull("GET", "/v2/team/app/manifests/1").statusCode()).isEqualTo(200);
        assertThat(harness.pull("GET", upstream.blobPath(upstream.configDigest)).statusCode()).isEqualTo(200);
        assertThat(harness.pull("GET", upstream.blobPath(upstream.layerDigest)).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.server.storage().findBlob(upstream.layerDigest).isPresent()
                && harness.server.storage().findBlob(upstream.configDigest).isPresent());
    }

    @Test
    void upstreams_listsTheConfiguredOnes() throws Exception {
        JsonNode upstreams = harness.adminJson("GET", "/admin/upstreams").get("upstreams");
        assertThat(upstreams).hasSize(1);
        assertThat(upstreams.get(0).get("name").asText()).isEqualTo(AdminHarness.UPSTREAM);
        assertThat(upstreams.get(0).get("url").asText()).isEqualTo(upstream.url());
        assertThat(upstreams.get(0).get("default").asBoolean()).isTrue();
        assertThat(upstreams.get(0).get("tagTtlSeconds").asLong()).isEqualTo(300);
    }

    @Test
    void repositories_afterAPull_listTheTagWithSizeAndLastPull() throws Exception {
        pullImage();
        JsonNode repositories = harness.adminJson("GET", "/admin/repositories").get("repositories");
        assertThat(repositories).hasSize(1);
        JsonNode repository = repositories.get(0);
        assertThat(repository.get("upstream").asText()).isEqualTo(AdminHarness.UPSTREAM);
        assertThat(repository.get("repository").asText()).isEqualTo("team/app");
        assertThat(repository.get("lastPull").asText()).isNotEmpty();
        long imageSize = upstream.manifest.length + upstream.config.length + upstream.layer.length;
        assertThat(repository.get("size").asLong()).isEqualTo(imageSize);
        assertThat(repository.get("tags")).hasSize(1);
        assertThat(repository.get("tags").get(0).get("tag").asText()).isEqualTo("1");
        assertThat(repository.get("tags").get(0).get("digest").asText()).isEqualTo(upstream.manifestDigest.toString());
        assertThat(repository.get("tags").get(0).get("size").asLong()).isEqualTo(imageSize);
    }

    @Test
    void image_showsManifestAndLayers() throws Exception {
        pullImage();
        JsonNode image = harness.adminJson("GET", "/admin/repositories/registry.test/team/app/manifests/1");
        assertThat(image.get("digest").asText()).isEqualTo(upstream.manifestDigest.toString());
        assertThat(image.get("mediaType").asText()).isEqualTo(ScriptedRegistry.OCI_MANIFEST);
        assertThat(image.get("manifest").get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(image.get("config").get("digest").asText()).isEqualTo(upstream.configDigest.toString());
        assertThat(image.get("layers")).hasSize(1);
        assertThat(image.get("layers").get(0).get("digest").asText()).isEqualTo(upstream.layerDigest.toString());
        assertThat(image.get("layers").get(0).get("size").asLong()).isEqualTo(upstream.layer.length);
        assertThat(image.get("layers").get(0).get("cached").asBoolean()).isTrue();

        HttpResponse<byte[]> byDigest = harness.admin("GET", "/admin/repositories/registry.test/team/app/manifests/" + upstream.manifestDigest);
        assertThat(byDigest.statusCode()).isEqualTo(200);
        assertThat(harness.admin("GET", "/admin/repositories/registry.test/team/app/manifests/2").statusCode()).isEqualTo(404);
        assertThat(harness.admin("GET", "/admin/repositories/nowhere.test/team/app/manifests/1").statusCode()).isEqualTo(404);
    }

    @Test
    void purgeTag_nextPullRefetchesTheManifest() throws Exception {
        pullImage();
        String manifest = upstream.manifestPath("1");
        assertThat(upstream.requests(manifest)).isEqualTo(1);
        assertThat(harness.pull("GET", "/v2/team/app/manifests/1").headers().firstValue("Cache-Status")).contains("Longshore; hit");

        HttpResponse<byte[]> purge = harness.admin("DELETE", "/admin/repositories/registry.test/team/app/tags/1");
        assertThat(purge.statusCode()).isEqualTo(200);

        HttpResponse<byte[]> again = harness.pull("GET", "/v2/team/app/manifests/1");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("Cache-Status")).contains("Longshore; fwd=miss");
        assertThat(upstream.requests(manifest)).isEqualTo(2);
        assertThat(harness.admin("DELETE", "/admin/repositories/registry.test/team/app/tags/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void purgeRepository_dropsItsTagsAndItsListing() throws Exception {
        pullImage();
        HttpResponse<byte[]> purge = harness.admin("DELETE", "/admin/repositories/registry.test/team/app");
        assertThat(purge.statusCode()).isEqualTo(200);
        assertThat(AdminHarness.JSON.readTree(purge.body()).get("tagsDeleted").asInt()).isEqualTo(1);
        assertThat(harness.adminJson("GET", "/admin/repositories").get("repositories")).isEmpty();
        assertThat(harness.pull("GET", "/v2/team/app/manifests/1").headers().firstValue("Cache-Status")).contains("Longshore; fwd=miss");
        assertThat(harness.admin("DELETE", "/admin/repositories/registry.test/team/other").statusCode()).isEqualTo(404);
    }

    @Test
    void purgeBlob_nextPullFetchesItAgain() throws Exception {
        pullImage();
        String layer = upstream.blobPath(upstream.layerDigest);
        HttpResponse<byte[]> purge = harness.admin("DELETE", "/admin/blobs/" + upstream.layerDigest);
        assertThat(purge.statusCode()).isEqualTo(200);
        assertThat(harness.server.storage().findBlob(upstream.layerDigest)).isEmpty();

        HttpResponse<byte[]> again = harness.pull("GET", layer);
        assertThat(again.headers().firstValue("Cache-Status")).contains("Longshore; fwd=miss");
        assertThat(again.body()).isEqualTo(upstream.layer);
        assertThat(upstream.requests(layer)).isEqualTo(2);
        assertThat(harness.admin("DELETE", "/admin/blobs/sha256:" + "0".repeat(64)).statusCode()).isEqualTo(404);
        assertThat(harness.admin("DELETE", "/admin/blobs/not-a-digest").statusCode()).isEqualTo(400);
    }

    @Test
    void gc_isStarted() throws Exception {
        HttpResponse<byte[]> gc = harness.admin("POST", "/admin/gc");
        assertThat(gc.statusCode()).isEqualTo(202);
        assertThat(harness.admin("GET", "/admin/gc").statusCode()).isEqualTo(405);
    }
}
