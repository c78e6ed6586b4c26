package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheIndexListingTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30Z");

    @TempDir
    Path dir;

    @Test
    void allRepositories_listsEveryUpstreamSortedByUpstreamThenRepository() throws IOException {
        try (CacheIndex index = CacheIndex.open(dir)) {
            index.putRepository("ghcr.io", "owner/tool", T0);
            index.putRepository("docker.io", "library/redis", T0.plusSeconds(2));
            index.putRepository("docker.io", "library/alpine", T0.plusSeconds(1));
            index.putRepository("127.0.0.1:5000", "team/app", T0);

            assertThat(index.allRepositories()).containsExactly(
                    new RepositoryRecord("127.0.0.1:5000", "team/app", T0),
                    new RepositoryRecord("docker.io", "library/alpine", T0.plusSeconds(1)),
                    new RepositoryRecord("docker.io", "library/redis", T0.plusSeconds(2)),
                    new RepositoryRecord("ghcr.io", "owner/tool", T0));
        }
    }

    @Test
    void allRepositories_emptyIndex_isEmpty() throws IOException {
        try (CacheIndex index = CacheIndex.open(dir)) {
            assertThat(index.allRepositories()).isEmpty();
        }
    }
}
