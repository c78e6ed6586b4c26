package dev.longshore.benchmarks.report;

/** A mirror in the report: its key in the results and the name shown for it. */
record Mirror(String key, String label) {

    /** Parses {@code key=Label}, or just {@code key}. */
    static Mirror parse(String text) {
        int eq = text.indexOf('=');
        return eq < 0 ? new Mirror(text, text) : new Mirror(text.substring(0, eq), text.substring(eq + 1));
    }
}
