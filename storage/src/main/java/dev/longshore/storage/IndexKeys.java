package dev.longshore.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RocksDB keys for {@link CacheIndex}, all UTF-8:
 *
 * <pre>
 * blobs, manifests   sha256:ab34...ef                   the digest as text
 * tags               upstream \0 repository \0 tag
 * repositories       upstream \0 repository
 * pulls              m \0 digest  |  t \0 upstream \0 repository \0 tag
 * pending            sha256:ab34...ef
 * access-order       upstream \0 lastAccess sha256:ab34...ef
 * </pre>
 *
 * RocksDB sorts keys bytewise, so all tags of one repository are adjacent and a prefix scan of
 * {@code upstream \0 repository \0} lists them in order. The trailing {@code \0} matters: without it the scan for
 * {@code a/b} would also return the tags of {@code a/bc}. Names therefore must not contain {@code \0}; registry
 * names never do, and anything else is rejected rather than allowed to corrupt the key space.
 *
 * <p>The access order lists each upstream's blobs least recently accessed first, so eviction reads only as far as
 * it evicts. {@code lastAccess} is 12 bytes, epoch seconds (sign bit flipped) then nanos, big-endian, so bytewise
 * order is time order. The upstream may be empty ({@link BlobRecord#UNKNOWN_UPSTREAM}): its keys start with
 * {@code \0}, before every named upstream's.
 */
final class IndexKeys {

    private static final byte SEPARATOR = 0;
    private static final int ACCESS_TIME_BYTES = Long.BYTES + Integer.BYTES;

    private IndexKeys() {
    }

    static byte[] digest(Digest digest) {
        return digest.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The pull-time key of a manifest: {@code m \0 digest}; tags' start with {@code t}, so the two never collide. */
    static byte[] manifestPull(Digest digest) {
        return join("m", digest.toString());
    }

    static byte[] tagPull(TagKey key) {
        return join("t", key.upstream(), key.repository(), key.tag());
    }

    static byte[] tag(TagKey key) {
        return join(key.upstream(), key.repository(), key.tag());
    }

    /** The prefix shared by every tag of one repository, separator included. */
    static byte[] tagPrefix(String upstream, String repository) {
        return withSeparator(join(upstream, repository));
    }

    static byte[] repository(String upstream, String repository) {
        return join(upstream, repository);
    }

    /** The prefix shared by every repository of one upstream, separator included. */
    static byte[] repositoryPrefix(String upstream) {
        return withSeparator(join(upstream));
    }

    /** The access-order key of a blob: where it sits among its upstream's blobs. */
    static byte[] access(BlobRecord record) {
        byte[] prefix = accessPrefix(record.upstream());
        byte[] digest = digest(record.digest());
        ByteBuffer key = ByteBuffer.allocate(prefix.length + ACCESS_TIME_BYTES + digest.length);
        key.put(prefix);
        key.putLong(record.lastAccess().getEpochSecond() ^ Long.MIN_VALUE);
        key.putInt(record.lastAccess().getNano());
        key.put(digest);
        return key.array();
    }

    /** The prefix of one upstream's access order, separator included. */
    static byte[] accessPrefix(String upstream) {
        return upstream.isEmpty() ? new byte[] {SEPARATOR} : withSeparator(join(upstream));
    }

    /** The upstream prefix, separator included, of an access-order key. */
    static byte[] accessPrefixOf(byte[] key) {
        int separator = 0;
        while (key[separator] != SEPARATOR) {
            separator++;
        }
        return Arrays.copyOf(key, separator + 1);
    }

    /** The blob an access-order key stands for, given the size its value holds. */
    static BlobRecord accessBlob(byte[] key, long size) {
        byte[] prefix = accessPrefixOf(key);
        ByteBuffer in = ByteBuffer.wrap(key, prefix.length, ACCESS_TIME_BYTES);
        Instant lastAccess = Instant.ofEpochSecond(in.getLong() ^ Long.MIN_VALUE, in.getInt());
        int digestStart = prefix.length + ACCESS_TIME_BYTES;
        Digest digest = Digest.parse(new String(key, digestStart, key.length - digestStart, StandardCharsets.UTF_8));
        String upstream = new String(key, 0, prefix.length - 1, StandardCharsets.UTF_8);
        return new BlobRecord(digest, size, lastAccess, upstream);
    }

    /** The first key past every key starting with {@code prefix}, which ends with the separator. */
    static byte[] afterAccessPrefix(byte[] prefix) {
        byte[] after = prefix.clone();
        after[after.length - 1] = SEPARATOR + 1;
        return after;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The names a key was joined from, in order: the inverse of the {@code join} behind every key here. */
    static List<String> names(byte[] key) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= key.length; i++) {
            if (i == key.length || key[i] == SEPARATOR) {
                names.add(new String(key, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return names;
    }

    /** The last name in {@code key}, after {@code prefix}. */
    static String afterPrefix(byte[] key, byte[] prefix) {
        return new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8);
    }

    private static byte[] join(String... names) {
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (name.isEmpty() || name.indexOf(SEPARATOR) >= 0) {
                throw new IllegalArgumentException("index key part must be non-empty and free of NUL: '" + name + "'");
            }
            if (i > 0) {
                joined.append((char) SEPARATOR);
            }
            joined.append(name);
        }
        return joined.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withSeparator(byte[] key) {
        byte[] prefix = Arrays.copyOf(key, key.length + 1);
        prefix[key.length] = SEPARATOR;
        return prefix;
    }
}
