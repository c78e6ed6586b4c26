package dev.longshore.proxy.bundle;

import dev.longshore.storage.ManifestRecord;

import java.util.Optional;

/** Where a walk gets the manifests an index points to: the cache, a bundle, or the upstream through the mirror. */
interface ManifestSource {

    /** The manifest {@code descriptor} names, verified against its digest; empty when this source does not hold it. */
    Optional<ManifestRecord> manifest(Descriptor descriptor);
}
