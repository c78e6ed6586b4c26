package dev.longshore.proxy.lifecycle;

import dev.longshore.storage.Digest;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A set of digests kept as the first 8 bytes of each hash, sorted: 8 bytes a digest instead of a hundred or more as
 * objects, so GC can hold every referenced blob of a large cache. Two digests sharing a prefix make
 * {@link #contains} say yes for both: for GC that only keeps a blob that could have gone, never the other way.
 */
final class DigestPrefixSet {
    private long[] prefixes = new long[1024];
    private int size;
    private boolean sorted = true;

    void add(Digest digest) {
        if (size == prefixes.length) {
            prefixes = Arrays.copyOf(prefixes, size * 2);
        }
        prefixes[size++] = prefix(digest);
        sorted = false;
    }

    boolean contains(Digest digest) {
        if (!sorted) {
            Arrays.sort(prefixes, 0, size);
            sorted = true;
        }
        return Arrays.binarySearch(prefixes, 0, size, prefix(digest)) >= 0;
    }

    private static long prefix(Digest digest) {
        return HexFormat.fromHexDigitsToLong(digest.hex(), 0, 16);
    }
}
