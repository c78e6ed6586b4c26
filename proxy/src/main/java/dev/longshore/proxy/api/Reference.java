package dev.longshore.proxy.api;

import dev.longshore.storage.Digest;

import java.util.regex.Pattern;

/** What follows {@code /manifests/}: a tag or a digest. */
public sealed interface Reference {

    /** A tag, per the spec: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}. */
    record Tag(String value) implements Reference {
        @Override
        public String toString() {
            return value;
        }
    }

    record ByDigest(Digest digest) implements Reference {
        @Override
        public String toString() {
            return digest.toString();
        }
    }

    Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    static Reference parse(String text) {
        if (text.indexOf(':') >= 0) {
            return new ByDigest(Digests.parse(text));
        }
        if (!TAG.matcher(text).matches()) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN,
                    "'" + text + "' is neither a tag ([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}) nor a digest");
        }
        return new Tag(text);
    }
}
