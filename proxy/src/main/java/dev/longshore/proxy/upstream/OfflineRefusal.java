package dev.longshore.proxy.upstream;

import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;

/**
 * The answer every upstream request gets while Longshore runs {@code --offline}: the 404 that a cache miss means
 * when nothing may be fetched. It is a {@link RegistryException} so that every caller (manifests, blobs, fills, tag
 * lists) passes it to the client as it is, without knowing about offline mode.
 */
final class OfflineRefusal {
    private OfflineRefusal() {
    }

    static RegistryException of(String upstream, String pathAndQuery) {
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        ErrorCode code = path.contains("/blobs/") ? ErrorCode.BLOB_UNKNOWN
                : path.contains("/manifests/") || path.contains("/referrers/") ? ErrorCode.MANIFEST_UNKNOWN
                : ErrorCode.NAME_UNKNOWN;
        return new RegistryException(code, "the mirror is offline (--offline) and has no cached copy of " + path
                + "; upstream " + upstream + " is not contacted");
    }
}
