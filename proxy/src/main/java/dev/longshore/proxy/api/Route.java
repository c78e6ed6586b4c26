package dev.longshore.proxy.api;

import dev.longshore.storage.Digest;

import java.util.List;

/**
 * Where a request under {@code /v2/} goes. Parsing reads the path from its end, because repository names may contain
 * any number of segments, including ones spelled {@code blobs} or {@code manifests}.
 */
public sealed interface Route {

    /** {@code /v2/}: the API version check. */
    record ApiBase() implements Route {
    }

    /** {@code /v2/<name>/manifests/<reference>} */
    record Manifest(RepositoryName name, Reference reference) implements Route {
    }

    /** {@code /v2/<name>/blobs/<digest>} */
    record Blob(RepositoryName name, Digest digest) implements Route {
    }

    /** {@code /v2/<name>/tags/list} */
    record TagList(RepositoryName name) implements Route {
    }

    /** {@code /v2/<name>/referrers/<digest>}: the OCI referrers API (artifacts that refer to a manifest). */
    record Referrers(RepositoryName name, Digest digest) implements Route {
    }

    /** {@code /v2/<name>/blobs/uploads/...}: the push side, which a pull-through mirror refuses. */
    record Upload(RepositoryName name) implements Route {
    }

    /**
     * Parses a request path without its query string.
     *
     * @throws RegistryException NAME_INVALID, DIGEST_INVALID or MANIFEST_UNKNOWN for malformed parts,
     *                           NAME_UNKNOWN for a path that is no registry endpoint
     */
    static Route parse(String path) {
        if (path.equals("/v2") || path.equals("/v2/")) {
            return new ApiBase();
        }
        if (!path.startsWith("/v2/")) {
            throw notAnEndpoint(path);
        }
        List<String> segments = List.of(path.substring("/v2/".length()).split("/", -1));
        int n = segments.size();
        if (n >= 3 && segments.get(n - 2).equals("tags") && segments.get(n - 1).equals("list")) {
            return new TagList(name(segments.subList(0, n - 2)));
        }
        if (n >= 3 && segments.get(n - 2).equals("manifests")) {
            return new Manifest(name(segments.subList(0, n - 2)), Reference.parse(segments.get(n - 1)));
        }
        if (n >= 3 && segments.get(n - 2).equals("referrers")) {
            return new Referrers(name(segments.subList(0, n - 2)), Digests.parse(segments.get(n - 1)));
        }
        int uploads = segments.lastIndexOf("uploads");
        if (uploads >= 2 && segments.get(uploads - 1).equals("blobs")) {
            return new Upload(name(segments.subList(0, uploads - 1)));
        }
        if (n >= 3 && segments.get(n - 2).equals("blobs")) {
            return new Blob(name(segments.subList(0, n - 2)), Digests.parse(segments.get(n - 1)));
        }
        throw notAnEndpoint(path);
    }

    private static RepositoryName name(List<String> segments) {
        return new RepositoryName(String.join("/", segments));
    }

    private static RegistryException notAnEndpoint(String path) {
        return new RegistryException(ErrorCode.NAME_UNKNOWN, "no registry endpoint at " + path);
    }
}
