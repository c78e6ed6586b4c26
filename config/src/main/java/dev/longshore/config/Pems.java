package dev.longshore.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/** Checks CA files when the settings are read, so a wrong path fails at start-up naming its key, not at the first pull. */
final class Pems {
    private Pems() {
    }

    /** Returns {@code file} if it holds at least one X.509 certificate (PEM or DER). */
    static Path checkCertificates(String key, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new SettingsException(key, file + " holds no certificate");
            }
            return file;
        } catch (IOException e) {
            throw new SettingsException(key, "cannot read " + file + ": " + e);
        } catch (CertificateException e) {
            throw new SettingsException(key, file + " is not a PEM certificate bundle: " + e.getMessage());
        }
    }
}
