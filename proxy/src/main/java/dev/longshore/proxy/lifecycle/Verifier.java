package dev.longshore.proxy.lifecycle;

import dev.longshore.storage.BlobStore;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StorageLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code longshore verify}: rehashes every blob file and checks the index against the files both ways. A file whose
 * content does not hash to its name, or whose path names no digest, is moved to {@code quarantine/} under the data
 * dir (kept for a look, out of the cache) and its record dropped; a record without its file is dropped; a file without
 * a record is indexed (its hash checked out). Every such thing is a finding.
 *
 * <p>Runs on a storage no server has open (the data-dir lock sees to that).
 */
public final class Verifier {

    public enum Kind {
        /** The file's content does not hash to its name: quarantined. */
        CORRUPT,
        /** A file under blobs/ whose path names no digest: quarantined. */
        STRAY,
        /** A record whose file is gone: the record is dropped. */
        MISSING_FILE,
        /** A good file the index did not know: indexed. */
        UNINDEXED_FILE,
        /** A record whose size differs from its file's: the record is corrected. */
        WRONG_SIZE
    }

    public record Finding(Kind kind, String what, String detail) {
        @Override
        public String toString() {
            return kind + " " + what + ": " + detail;
        }
    }

    public record Report(int blobsChecked, long bytesChecked, List<Finding> findings) {
        public boolean clean() {
            return findings.isEmpty();
        }
    }

    private static final int BUFFER = 1024 * 1024;

    private final CacheStorage storage;
    private final Path quarantine;

    public Verifier(CacheStorage storage) {
        this.storage = storage;
        this.quarantine = storage.blobs().layout().dataDir().resolve("quarantine");
    }

    public Report run() throws IOException {
        List<Finding> findings = new ArrayList<>();
        int[] checked = {0};
        long[] bytes = {0};
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        storage.blobs().forEachFile(new BlobStore.BlobFileVisitor() {
            @Override
            public void blob(Digest digest, Path file) throws IOException {
                checked[0]++;
                long size = Files.size(file);
                bytes[0] += size;
                Digest actual = hash(digest, file, buffer);
                if (!actual.equals(digest)) {
                    Path moved = quarantine(file);
                    storage.deleteBlob(digest);
                    findings.add(new Finding(Kind.CORRUPT, digest.toString(), "content hashes to " + actual + "; moved to " + moved));
                    return;
                }
                var record = storage.index().blob(digest);
                if (record.isEmpty()) {
                    findings.add(new Finding(Kind.UNINDEXED_FILE, digest.toString(), "a good file the index did not know; indexed"));
                } else if (record.get().size() != size) {
                    storage.index().putBlob(new dev.longshore.storage.BlobRecord(digest, size, record.get().lastAccess(), record.get().upstream()));
                    findings.add(new Finding(Kind.WRONG_SIZE, digest.toString(),
                            "the index said " + record.get().size() + " bytes, the file has " + size + "; corrected"));
                }
            }

            @Override
            public void stray(Path path) throws IOException {
                Path moved = quarantine(path);
                findings.add(new Finding(Kind.STRAY, path.toString(), "names no digest; moved to " + moved));
            }
        });
        storage.index().forEachBlob(record -> {
            if (storage.findBlob(record.digest()).isEmpty()) {
                findings.add(new Finding(Kind.MISSING_FILE, record.digest().toString(), "indexed, but its file is gone; record dropped"));
            }
        });
        // Indexes the unindexed files and drops the records without files found above.
        storage.reconcile();
        return new Report(checked[0], bytes[0], List.copyOf(findings));
    }

    private static Digest hash(Digest expected, Path file, ByteBuffer buffer) throws IOException {
        MessageDigest hasher = expected.newHasher();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            buffer.clear();
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                hasher.update(buffer);
                buffer.clear();
            }
        }
        return Digest.of(expected.algorithm(), hasher.digest());
    }

    /** Moves {@code path} to the same place under quarantine/ as it had under blobs/ (renamed apart if taken). */
    private Path quarantine(Path path) throws IOException {
        StorageLayout layout = storage.blobs().layout();
        Path target = quarantine.resolve(layout.blobsDir().relativize(path));
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            target = target.resolveSibling(target.getFileName() + "." + System.currentTimeMillis());
        }
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}
