package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.proxy.Main;
import dev.longshore.storage.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code verify} and {@code gc} commands, run through the real command line. */
class VerifyAndLockTest {
    private static final String REPO = "team/app";

    @TempDir
    Path data;

    @Test
    void verify_findsAFlippedByteInAStoredBlob_quarantinesIt_andExitsNonZero_thenIsClean() throws Exception {
        Digest good;
        Digest flipped;
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS, "a.test", upstream)) {
            good = upstream.blob(REPO, 50_000, 1);
            flipped = upstream.blob(REPO, 50_000, 2);
            mirror.pullBlob("a.test", REPO, good);
            mirror.pullBlob("a.test", REPO, flipped);
        }
        Path file = blobPath(flipped);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, 12_345);
            one.put(0, (byte) (one.get(0) ^ 0x01));
            channel.write(one.flip(), 12_345);
        }

        Run first = run("verify", "--data", data.toString());

        assertThat(first.exitCode).isEqualTo(1);
        assertThat(first.out).contains("CORRUPT " + flipped).contains("FOUND 1 problem(s)");
        assertThat(file).doesNotExist();
        assertThat(data.resolve("quarantine").resolve(data.resolve("blobs").relativize(file))).exists();
        assertThat(blobPath(good)).exists();

        Run second = run("verify", "--data", data.toString());
        assertThat(second.exitCode).as(second.out).isZero();
        assertThat(second.out).contains("OK: 1 blob(s)");
    }

    @Test
    void aSecondLongshoreOnTheSameDataDir_refusesToStart_namingTheDirectory() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror running = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS, "a.test", upstream)) {
            Run serve = run("serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--data", data.toString(),
                    "--upstream", "a.test=" + upstream.url());
            Run verify = run("verify", "--data", data.toString());
            Run gc = run("gc", "--data", data.toString());

            for (Run refused : new Run[] {serve, verify, gc}) {
                assertThat(refused.exitCode).isEqualTo(1);
                assertThat(refused.err).contains("longshore: the data directory " + data.toAbsolutePath() + " is in use by another Longshore");
            }
            Run ls = run("ls", "--data", data.toString());
            assertThat(ls.exitCode).isEqualTo(1);
            assertThat(ls.err).containsOnlyOnce("is in use by another Longshore").containsOnlyOnce("stop");
        }
    }

    @Test
    void gc_onAnIdleDataDir_collectsAnUnreferencedBlobPastItsGrace() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS, "a.test", upstream)) {
            mirror.pullBlob("a.test", REPO, upstream.blob(REPO, 1000, 1));
        }
        // The mirror ran on a clock in 2025; the command runs on the system clock, long past the blob's grace period,
        // and no manifest names the blob.
        Run gc = run("gc", "--data", data.toString());
        assertThat(gc.exitCode).as(gc.err + gc.out).isZero();
        assertThat(gc.out).contains("dropped 0 tag(s), 0 manifest(s) and 1 blob(s)");
    }

    private Path blobPath(Digest digest) {
        return data.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    private record Run(int exitCode, String out, String err) {
    }

    /** Main.run with its standard output and error captured; picocli takes them when the command line is built. */
    private static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
