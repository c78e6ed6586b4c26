package dev.longshore.benchmarks.seed;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the seeder pushed to the upstream, by image name ({@code small}, {@code medium}, {@code big-a}, {@code big-b},
 * {@code multi}): the load generator reads it to know which paths to ask for and what sizes to expect.
 */
public record Seed(Map<String, Image> images) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tagged image: its manifest (or index) and every blob it references, config first. */
    public record Image(String repository, String tag, String manifestDigest, String mediaType, long manifestSize,
                        List<Blob> blobs) {

        public String manifestPath() {
            return "/v2/" + repository + "/manifests/" + tag;
        }

        public String blobPath(String digest) {
            return "/v2/" + repository + "/blobs/" + digest;
        }

        /** The image's one big layer: the last blob (the first is its config). */
        public Blob lastBlob() {
            return blobs.getLast();
        }

        public long totalBlobBytes() {
            return blobs.stream().mapToLong(Blob::size).sum();
        }
    }

    public record Blob(String digest, long size) {
    }

    public Image image(String name) {
        Image image = images.get(name);
        if (image == null) {
            throw new IllegalArgumentException("no image '" + name + "' in the seed; it has " + images.keySet());
        }
        return image;
    }

    public static Seed read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), Seed.class);
    }

    public void write(Path file) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    }
}
