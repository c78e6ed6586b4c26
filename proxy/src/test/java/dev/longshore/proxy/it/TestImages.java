package dev.longshore.proxy.it;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Seeds an upstream registry with images made by real tools: {@code docker import}/{@code docker build} +
 * {@code docker push}, and {@code skopeo copy}. Every image carries a per-run nonce in each layer, so no layer
 * can already be in a daemon from an earlier run, and the local copies are removed after the push: a later pull
 * must fetch every blob.
 */
final class TestImages {

    /** An image in the upstream: what a pull of {@code repository:tag} must resolve to. */
    record Seeded(String repository, String tag, String manifestDigest, String configDigest, int layers) {
        String ref(String registryHostPort) {
            return registryHostPort + "/" + repository + ":" + tag;
        }
    }

    private final DockerCli docker;
    private final UpstreamRegistry upstream;
    private final Path workDir;
    private final long nonce = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;

    TestImages(DockerCli docker, UpstreamRegistry upstream, Path workDir) {
        this.docker = docker;
        this.upstream = upstream;
        this.workDir = workDir;
    }

    /** One layer: a rootfs tarball made with {@code tar}, {@code docker import}ed and {@code docker push}ed. */
    Seeded singleLayer(String repository, String tag) {
        String ref = upstream.hostPort() + "/" + repository + ":" + tag;
        Path tar = rootfsTarball(repository + "-" + tag, 512 * 1024);
        docker.importTarball(tar, ref);
        docker.push(ref);
        docker.removeImages(ref);
        return seeded(repository, tag);
    }

    /**
     * Six layers: a base imported from {@code local/busybox}'s exported rootfs plus this run's nonce (so even the
     * base layer is new to the daemon), then five {@code RUN} steps that each write ~384 KiB of seeded
     * pseudo-random hex; built with {@code docker build} and {@code docker push}ed.
     */
    Seeded multiLayer(String repository, String tag) {
        String base = "longshore-it/base-" + nonce + ":1";
        String container = docker.run(DockerCli.SHORT_TIMEOUT, "create", "local/busybox:latest", "true")
                .orFail().stdout().trim();
        Path tar = workDir.resolve("base-" + nonce + ".tar");
        try {
            docker.run(DockerCli.SHORT_TIMEOUT, "export", "-o", tar.toString(), container).orFail();
        } finally {
            docker.run(DockerCli.SHORT_TIMEOUT, "rm", "-f", container);
        }
        Path extra = dir("base-extra-" + nonce);
        write(extra.resolve("longshore-it-nonce"), Long.toString(nonce).getBytes(StandardCharsets.UTF_8));
        Processes.run(DockerCli.SHORT_TIMEOUT, "tar", "-C", extra.toString(), "--owner=0", "--group=0",
                "-rf", tar.toString(), "longshore-it-nonce").orFail();
        docker.importTarball(tar, base);

        StringBuilder dockerfile = new StringBuilder("FROM " + base + "\n");
        for (int i = 1; i <= 5; i++) {
            dockerfile.append("RUN mkdir -p /data && awk 'BEGIN{srand(").append((nonce % 1_000_000_000L) + i)
                    .append("); for(i=0;i<48000;i++) printf \"%08x\", int(rand()*4294967296)}' > /data/layer")
                    .append(i).append('\n');
        }
        dockerfile.append("CMD [\"sh\"]\n");
        String ref = upstream.hostPort() + "/" + repository + ":" + tag;
        docker.buildFromStdin(ref, dockerfile.toString());
        docker.push(ref);
        docker.removeImages(ref, base);
        return seeded(repository, tag);
    }

    /**
     * An OCI image index with a linux/amd64 and a linux/arm64 entry. amd64: {@code docker import} + push, then
     * {@code skopeo copy --format oci} converts it into an OCI manifest in {@code repository}. arm64 (which the
     * amd64 daemon cannot build): an OCI image layout written here, pushed with {@code skopeo copy oci:...}.
     * The index itself is PUT with the registry API, as {@code repository:tag}.
     */
    Seeded multiArchIndex(String repository, String tag) {
        String reg = upstream.hostPort();
        // amd64: a docker-made image, converted to OCI by skopeo
        String src = reg + "/" + repository + "-src:amd64";
        docker.importTarball(rootfsTarball(repository + "-amd64", 256 * 1024), src);
        docker.push(src);
        docker.removeImages(src);
        skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "--format", "oci",
                "docker://" + src, "docker://" + reg + "/" + repository + ":amd64");
        UpstreamRegistry.Manifest amd64 = upstream.manifest(repository, "amd64");
        if (!amd64.mediaType().equals("application/vnd.oci.image.manifest.v1+json")) {
            throw new AssertionError("skopeo --format oci gave " + amd64.mediaType());
        }

        // arm64: an OCI layout, pushed by skopeo
        Path layout = armLayout(repository + "-arm64", 256 * 1024);
        skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":arm64", "docker://" + reg + "/" + repository + ":arm64");
        UpstreamRegistry.Manifest arm64 = upstream.manifest(repository, "arm64");

        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.put("manifests", List.of(
                descriptor(amd64, Map.of("architecture", "amd64", "os", "linux")),
                descriptor(arm64, Map.of("architecture", "arm64", "os", "linux", "variant", "v8"))));
        String indexDigest = upstream.putManifest(repository, tag, "application/vnd.oci.image.index.v1+json", Json.bytes(index));
        UpstreamRegistry.Manifest served = upstream.manifest(repository, tag);
        if (!served.digest().equals(indexDigest) || !served.mediaType().equals("application/vnd.oci.image.index.v1+json")) {
            throw new AssertionError("the upstream serves " + served.mediaType() + " " + served.digest() + " for the index " + indexDigest);
        }
        JsonNode amd64Json = amd64.json();
        return new Seeded(repository, tag, indexDigest, amd64Json.path("config").path("digest").asText(),
                amd64Json.path("layers").size());
    }

    private static Map<String, Object> descriptor(UpstreamRegistry.Manifest m, Map<String, String> platform) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", m.mediaType());
        d.put("digest", m.digest());
        d.put("size", m.body().length);
        d.put("platform", platform);
        return d;
    }

    /** What the upstream now serves for repository:tag. */
    private Seeded seeded(String repository, String tag) {
        UpstreamRegistry.Manifest m = upstream.manifest(repository, tag);
        JsonNode json = m.json();
        return new Seeded(repository, tag, m.digest(), json.path("config").path("digest").asText(), json.path("layers").size());
    }

    /** A rootfs tarball (made with tar) holding this run's nonce and {@code size} bytes of seeded pseudo-random data. */
    private Path rootfsTarball(String imageName, int size) {
        String name = fileName(imageName);
        Path root = dir("rootfs-" + name + "-" + nonce);
        write(root.resolve("etc/longshore-it-nonce"), (name + " " + nonce + "\n").getBytes(StandardCharsets.UTF_8));
        write(root.resolve("data/" + name + ".bin"), pseudoRandom(name.hashCode() ^ nonce, size));
        Path tar = workDir.resolve(name + "-" + nonce + ".tar");
        Processes.run(DockerCli.SHORT_TIMEOUT, "tar", "-C", root.toString(), "--numeric-owner", "--owner=0", "--group=0",
                "-cf", tar.toString(), ".").orFail();
        return tar;
    }

    /** An OCI image layout with one linux/arm64 image (tag {@code arm64}): tar layer, gzip, config, manifest, index.json. */
    Path armLayout(String imageName, int size) {
        String name = fileName(imageName);
        byte[] layerTar = read(rootfsTarball(name, size));
        byte[] layerGz = gzip(layerTar);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", "arm64");
        config.put("variant", "v8");
        config.put("os", "linux");
        config.put("config", Map.of("Cmd", List.of("sh")));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(sha256(layerTar))));
        byte[] configJson = Json.bytes(config);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.put("config", Map.of("mediaType", "application/vnd.oci.image.config.v1+json",
                "digest", sha256(configJson), "size", configJson.length));
        manifest.put("layers", List.of(Map.of("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest", sha256(layerGz), "size", layerGz.length)));
        byte[] manifestJson = Json.bytes(manifest);

        Path layout = dir("oci-" + name + "-" + nonce);
        for (byte[] blob : List.of(layerGz, configJson, manifestJson)) {
            write(layout.resolve("blobs/sha256/" + sha256(blob).substring("sha256:".length())), blob);
        }
        write(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        write(layout.resolve("index.json"), Json.bytes(Map.of("schemaVersion", 2, "manifests", List.of(Map.of(
                "mediaType", "application/vnd.oci.image.manifest.v1+json",
                "digest", sha256(manifestJson), "size", manifestJson.length,
                "annotations", Map.of("org.opencontainers.image.ref.name", "arm64"))))));
        return layout;
    }

    /** Runs skopeo and fails the test unless it exits 0. */
    static Processes.Result skopeo(String... args) {
        return trySkopeo(args).orFail();
    }

    static Processes.Result trySkopeo(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo"));
        cmd.addAll(List.of(args));
        return Processes.run(Duration.ofSeconds(120), Map.of(), null, cmd);
    }

    static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        return sha256(read(file));
    }

    private static String fileName(String imageName) {
        return imageName.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static byte[] pseudoRandom(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private Path dir(String name) {
        try {
            return Files.createDirectories(workDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
