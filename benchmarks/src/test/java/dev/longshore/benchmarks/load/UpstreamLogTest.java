package dev.longshore.benchmarks.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamLogTest {

    private static final String BLOB_GET = "127.0.0.1 - - [03/Dec/2026:17:45:04 +0000] "
            + "\"GET /v2/bench/big-a/blobs/sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 HTTP/1.1\""
            + " 200 1073741824 \"\" \"Go-http-client/1.1\"\n";
    private static final String MANIFEST_HEAD = "127.0.0.1 - - [03/Dec/2026:17:45:05 +0000] "
            + "\"HEAD /v2/bench/medium/manifests/1 HTTP/1.1\" 200 0 \"\" \"Go-http-client/1.1\"\n";

    @Test
    void since_countsOnlyLinesAfterTheMark(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        Files.writeString(log, BLOB_GET);
        UpstreamLog mark = UpstreamLog.mark(log);
        Files.writeString(log, MANIFEST_HEAD + BLOB_GET + "time=\"...\" level=warning msg=\"not an access line\"\n",
                StandardOpenOption.APPEND);

        UpstreamLog.Traffic traffic = mark.since(Duration.ofMillis(200), Duration.ofSeconds(5));

        assertThat(traffic).isEqualTo(new UpstreamLog.Traffic(2, 1, 1073741824L));
    }

    @Test
    void parse_dashForBytes_countsTheRequestButNoBytes() {
        UpstreamLog.Traffic traffic = UpstreamLog.parse(
                "127.0.0.1 - - [03/Dec/2026:17:45:05 +0000] \"GET /v2/ HTTP/1.1\" 401 - \"\" \"x\"");

        assertThat(traffic).isEqualTo(new UpstreamLog.Traffic(1, 0, 0));
    }
}
