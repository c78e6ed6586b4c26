package dev.longshore.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * RocksDB values for {@link CacheIndex}: a small binary format written with {@link DataOutputStream} (big-endian).
 * Every value starts with a format version byte so a later release can change a layout and still read old data.
 * Whatever the key already says (digest, names) is not repeated in the value.
 *
 * <pre>
 * blob         version=2, size: long, lastAccess: instant, upstream: string   (version 1 lacks upstream)
 * manifest     version=1, mediaType: string, bytes: int length + bytes
 * tag          version=1, digest: string, fetchedAt: instant
 * repository   version=1, lastPull: instant
 * pull         version=1, lastPull: instant
 * access order version=1, size: long   (the key holds the rest of the blob record)
 *
 * instant = epoch seconds: long, nanos: int
 * string  = UTF-8 length: int, UTF-8 bytes (not writeUTF, which caps at 64 KiB and uses modified UTF-8)
 * </pre>
 */
final class IndexValues {

    private static final byte VERSION = 1;
    /** Blob values gained the upstream; version 1 values still decode, with {@link BlobRecord#UNKNOWN_UPSTREAM}. */
    private static final byte BLOB_VERSION = 2;

    private IndexValues() {
    }

    static byte[] blob(BlobRecord record) {
        return encode(BLOB_VERSION, out -> {
            out.writeLong(record.size());
            writeInstant(out, record.lastAccess());
            writeString(out, record.upstream());
        });
    }

    static BlobRecord blob(Digest digest, byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            byte version = in.readByte();
            if (version != 1 && version != BLOB_VERSION) {
                throw new IllegalStateException("blob value has unsupported format version " + version);
            }
            long size = in.readLong();
            Instant lastAccess = readInstant(in);
            String upstream = version == 1 ? BlobRecord.UNKNOWN_UPSTREAM : readString(in);
            return new BlobRecord(digest, size, lastAccess, upstream);
        } catch (IOException e) {
            throw new IllegalStateException("blob value is truncated (" + value.length + " bytes)", e);
        }
    }

    /** The size and upstream of a blob value, read straight from the bytes (see {@link CacheIndex#forEachBlobSize}). */
    static void blobSize(byte[] value, CacheIndex.BlobSizeVisitor visitor) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(value);
        byte version = in.get();
        long size = in.getLong();
        if (version == 1) {
            visitor.visit(BlobRecord.UNKNOWN_UPSTREAM, size);
            return;
        }
        in.position(in.position() + Long.BYTES + Integer.BYTES); // lastAccess
        int length = in.getInt();
        visitor.visit(new String(value, in.position(), length, StandardCharsets.UTF_8), size);
    }

    static byte[] accessOrder(BlobRecord record) {
        return encode(out -> out.writeLong(record.size()));
    }

    /** The size an access-order value holds. */
    static long accessOrderSize(byte[] value) {
        return decode("access order", value, DataInputStream::readLong);
    }

    static byte[] pull(Instant lastPull) {
        return encode(out -> writeInstant(out, lastPull));
    }

    static Instant pull(byte[] value) {
        return decode("pull", value, IndexValues::readInstant);
    }

    static byte[] manifest(ManifestRecord record) {
        return encode(out -> {
            writeString(out, record.mediaType());
            out.writeInt(record.bytes().length);
            out.write(record.bytes());
        });
    }

    static ManifestRecord manifest(Digest digest, byte[] value) {
        return decode("manifest", value, in -> {
            String mediaType = readString(in);
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            return new ManifestRecord(digest, mediaType, bytes);
        });
    }

    static byte[] tag(TagRecord record) {
        return encode(out -> {
            writeString(out, record.digest().toString());
            writeInstant(out, record.fetchedAt());
        });
    }

    static TagRecord tag(byte[] value) {
        return decode("tag", value, in -> new TagRecord(Digest.parse(readString(in)), readInstant(in)));
    }

    static byte[] repository(Instant lastPull) {
        return encode(out -> writeInstant(out, lastPull));
    }

    static RepositoryRecord repository(String upstream, String repository, byte[] value) {
        return decode("repository", value, in -> new RepositoryRecord(upstream, repository, readInstant(in)));
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] encode(Writer writer) {
        return encode(VERSION, writer);
    }

    private static byte[] encode(byte version, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static <T> T decode(String kind, byte[] value, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalStateException(kind + " value has unsupported format version " + version);
            }
            return reader.read(in);
        } catch (IOException e) {
            // Only a truncated value can make reading from memory fail.
            throw new IllegalStateException(kind + " value is truncated (" + value.length + " bytes)", e);
        }
    }

    private static void writeInstant(DataOutputStream out, Instant instant) throws IOException {
        out.writeLong(instant.getEpochSecond());
        out.writeInt(instant.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
