package dev.longshore.benchmarks.seed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longshore.benchmarks.seed.Seed.Blob;
import dev.longshore.benchmarks.seed.Seed.Image;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Seeds the benchmark's upstream registry with deterministic images and writes what it pushed to a JSON file:
 * <ul>
 *   <li>{@code bench/small:1}: one 256 KiB layer;</li>
 *   <li>{@code bench/medium:1}: five layers of {@code --medium-layer} bytes (10 MiB each: about 50 MiB);</li>
 *   <li>{@code bench/big-a:1} and {@code bench/big-b:1}: one layer of {@code --big} bytes each (1 GiB);</li>
 *   <li>{@code bench/multi:1}: an OCI index of two platform manifests (linux/amd64, linux/arm64).</li>
 * </ul>
 * Each layer's bytes come from {@link PseudoRandomBytes} with a seed derived from its name, so runs are comparable.
 * A blob is generated twice (once to learn its digest, once to upload it), which costs far less than keeping it.
 */
@Command(name = "seed", mixinStandardHelpOptions = true, description = "Push the benchmark images to a registry.")
public final class Seeder implements Callable<Integer> {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUFFER = 1 << 16;

    @Option(names = "--registry", required = true, description = "Base URL of the registry, e.g. http://127.0.0.1:5000")
    URI registry;

    @Option(names = "--out", required = true, description = "Where to write the seed JSON.")
    Path out;

    @Option(names = "--big", defaultValue = "1073741824", description = "Bytes of each big layer (default: 1 GiB).")
    long bigSize;

    @Option(names = "--medium-layer", defaultValue = "10485760", description = "Bytes of each of the medium image's 5 layers.")
    long mediumLayerSize;

    private RegistryPush push;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Seeder()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        push = new RegistryPush(registry);
        Map<String, Image> images = new LinkedHashMap<>();
        images.put("small", image("bench/small", "amd64", List.of(256L * 1024)));
        images.put("medium", image("bench/medium", "amd64", List.of(
                mediumLayerSize, mediumLayerSize, mediumLayerSize, mediumLayerSize, mediumLayerSize)));
        images.put("big-a", image("bench/big-a", "amd64", List.of(bigSize)));
        images.put("big-b", image("bench/big-b", "amd64", List.of(bigSize)));
        images.put("multi", index("bench/multi", List.of("amd64", "arm64")));
        new Seed(images).write(out);
        System.err.printf("seeded %s: %s%n", registry, images.keySet());
        return 0;
    }

    /** Pushes the layers and config of one image, then its manifest under tag {@code 1}. */
    private Image image(String repository, String architecture, List<Long> layerSizes) throws Exception {
        List<Blob> layers = new ArrayList<>();
        for (int i = 0; i < layerSizes.size(); i++) {
            long seed = seedOf(repository + "/" + architecture + "/layer/" + i);
            layers.add(pushGenerated(repository, seed, layerSizes.get(i)));
        }
        Blob config = pushBytes(repository, config(architecture, layers));
        byte[] manifest = manifest(config, layers);
        String digest = sha256(manifest);
        push.putManifest(repository, "1", OCI_MANIFEST, manifest);
        List<Blob> blobs = new ArrayList<>();
        blobs.add(config);
        blobs.addAll(layers);
        return new Image(repository, "1", digest, OCI_MANIFEST, manifest.length, blobs);
    }

    /** Pushes one small image per platform (by digest) and an index over them under tag {@code 1}. */
    private Image index(String repository, List<String> architectures) throws Exception {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        List<Blob> blobs = new ArrayList<>();
        for (String architecture : architectures) {
            Blob layer = pushGenerated(repository, seedOf(repository + "/" + architecture + "/layer/0"), 64 * 1024);
            Blob config = pushBytes(repository, config(architecture, List.of(layer)));
            byte[] manifest = manifest(config, List.of(layer));
            String digest = sha256(manifest);
            push.putManifest(repository, digest, OCI_MANIFEST, manifest);
            ObjectNode entry = manifests.addObject();
            entry.put("mediaType", OCI_MANIFEST);
            entry.put("digest", digest);
            entry.put("size", manifest.length);
            ObjectNode platform = entry.putObject("platform");
            platform.put("architecture", architecture);
            platform.put("os", "linux");
            blobs.add(config);
            blobs.add(layer);
        }
        byte[] bytes = JSON.writeValueAsBytes(index);
        push.putManifest(repository, "1", OCI_INDEX, bytes);
        return new Image(repository, "1", sha256(bytes), OCI_INDEX, bytes.length, blobs);
    }

    private Blob pushGenerated(String repository, long seed, long size) throws Exception {
        String digest;
        try (InputStream in = new PseudoRandomBytes(seed, size)) {
            digest = sha256(in);
        }
        push.putBlob(repository, digest, size, () -> new PseudoRandomBytes(seed, size));
        return new Blob(digest, size);
    }

    private Blob pushBytes(String repository, byte[] bytes) throws Exception {
        String digest = sha256(bytes);
        push.putBlob(repository, digest, bytes.length, () -> new java.io.ByteArrayInputStream(bytes));
        return new Blob(digest, bytes.length);
    }

    private static byte[] config(String architecture, List<Blob> layers) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", architecture);
        config.put("os", "linux");
        config.putObject("config").putArray("Cmd").add("/bin/true");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        // The layers are not real tarballs; the registry never looks, and the ids only need to be well-formed.
        layers.forEach(layer -> diffIds.add(layer.digest()));
        return JSON.writeValueAsBytes(config);
    }

    private static byte[] manifest(Blob config, List<Blob> layers) throws IOException {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        descriptor(manifest.putObject("config"), OCI_CONFIG, config);
        ArrayNode array = manifest.putArray("layers");
        layers.forEach(layer -> descriptor(array.addObject(), OCI_LAYER, layer));
        return JSON.writeValueAsBytes(manifest);
    }

    private static void descriptor(ObjectNode node, String mediaType, Blob blob) {
        node.put("mediaType", mediaType);
        node.put("digest", blob.digest());
        node.put("size", blob.size());
    }

    static long seedOf(String name) {
        byte[] hash = sha256Hasher().digest(name.getBytes(StandardCharsets.UTF_8));
        long seed = 0;
        for (int i = 0; i < 8; i++) {
            seed = (seed << 8) | (hash[i] & 0xff);
        }
        return seed;
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest hasher = sha256Hasher();
        byte[] buffer = new byte[BUFFER];
        for (int n; (n = in.read(buffer)) != -1; ) {
            hasher.update(buffer, 0, n);
        }
        return "sha256:" + HexFormat.of().formatHex(hasher.digest());
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256Hasher().digest(bytes));
    }

    private static MessageDigest sha256Hasher() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
