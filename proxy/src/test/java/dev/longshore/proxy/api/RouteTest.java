package dev.longshore.proxy.api;

import dev.longshore.storage.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTest {
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    @Test
    void parse_apiBase_withAndWithoutSlash() {
        assertThat(Route.parse("/v2/")).isInstanceOf(Route.ApiBase.class);
        assertThat(Route.parse("/v2")).isInstanceOf(Route.ApiBase.class);
    }

    @Test
    void parse_manifestByTag_inNestedRepository() {
        assertThat(Route.parse("/v2/team/project/app/manifests/1.0"))
                .isEqualTo(new Route.Manifest(new RepositoryName("team/project/app"), new Reference.Tag("1.0")));
    }

    @Test
    void parse_manifestByDigest() {
        assertThat(Route.parse("/v2/library/alpine/manifests/" + DIGEST))
                .isEqualTo(new Route.Manifest(new RepositoryName("library/alpine"), new Reference.ByDigest(Digest.parse(DIGEST))));
    }

    @Test
    void parse_nameWithEndpointWordsAsSegments_readsFromTheEnd() {
        assertThat(Route.parse("/v2/a/blobs/manifests/b/manifests/latest"))
                .isEqualTo(new Route.Manifest(new RepositoryName("a/blobs/manifests/b"), new Reference.Tag("latest")));
        assertThat(Route.parse("/v2/tags/list/tags/list"))
                .isEqualTo(new Route.TagList(new RepositoryName("tags/list")));
    }

    @Test
    void parse_blob() {
        assertThat(Route.parse("/v2/busybox/blobs/" + DIGEST))
                .isEqualTo(new Route.Blob(new RepositoryName("busybox"), Digest.parse(DIGEST)));
    }

    @Test
    void parse_uploadPaths_areUploads() {
        assertThat(Route.parse("/v2/busybox/blobs/uploads/")).isEqualTo(new Route.Upload(new RepositoryName("busybox")));
        assertThat(Route.parse("/v2/a/b/blobs/uploads/some-uuid")).isEqualTo(new Route.Upload(new RepositoryName("a/b")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v2/UPPER/manifests/x", "/v2/../etc/manifests/x", "/v2/a//b/manifests/x",
            "/v2/%2e%2e/manifests/x", "/v2/-a/manifests/x", "/v2/a./manifests/x", "/v2//manifests/x"})
    void parse_invalidName_isNameInvalid(String path) {
        assertThatThrownBy(() -> Route.parse(path))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NAME_INVALID));
    }

    @Test
    void parse_overlongName_isNameInvalid() {
        String name = "a".repeat(256);
        assertThatThrownBy(() -> Route.parse("/v2/" + name + "/manifests/x"))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NAME_INVALID));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v2/a/blobs/sha256:abc", "/v2/a/blobs/md5:" + "0123456789abcdef0123456789abcdef",
            "/v2/a/blobs/nodigest", "/v2/a/manifests/sha256:XYZ", "/v2/a/blobs/sha256:..%2F..%2Fetc"})
    void parse_badDigest_isDigestInvalid(String path) {
        assertThatThrownBy(() -> Route.parse(path))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
    }

    @Test
    void parse_digestWithPathSegments_isNoBlobRoute() {
        assertThatThrownBy(() -> Route.parse("/v2/a/blobs/sha256:../../../etc/passwd"))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NAME_UNKNOWN));
    }

    @Test
    void parse_tagOutsideGrammar_isManifestUnknown() {
        assertThatThrownBy(() -> Route.parse("/v2/a/manifests/.hidden"))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN));
        assertThatThrownBy(() -> Route.parse("/v2/a/manifests/" + "t".repeat(129)))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/v1/", "/v2/_catalog", "/v2/a/b", "/etc/passwd"})
    void parse_noEndpoint_isNameUnknown(String path) {
        assertThatThrownBy(() -> Route.parse(path))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isIn(ErrorCode.NAME_UNKNOWN, ErrorCode.NAME_INVALID));
    }

    @Test
    void repositoryName_onDockerHub_addsLibraryOnlyToOneSegmentNames() {
        assertThat(new RepositoryName("alpine").onDockerHub()).isEqualTo(new RepositoryName("library/alpine"));
        assertThat(new RepositoryName("grafana/grafana").onDockerHub()).isEqualTo(new RepositoryName("grafana/grafana"));
    }

    @Test
    void parse_referrers_byDigest() {
        assertThat(Route.parse("/v2/team/app/referrers/" + DIGEST))
                .isEqualTo(new Route.Referrers(new RepositoryName("team/app"), Digest.parse(DIGEST)));
        assertThat(Route.parse("/v2/referrers/manifests/1"))
                .isEqualTo(new Route.Manifest(new RepositoryName("referrers"), new Reference.Tag("1")));
        assertThatThrownBy(() -> Route.parse("/v2/team/app/referrers/latest"))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
    }

    @Test
    void parse_cosignSignatureTag_isAnOrdinaryTag() {
        String tag = "sha256-" + "a".repeat(64) + ".sig";
        assertThat(Route.parse("/v2/app/manifests/" + tag))
                .isEqualTo(new Route.Manifest(new RepositoryName("app"), new Reference.Tag(tag)));
    }
}
