package dev.longshore.proxy.upstream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Parses {@code WWW-Authenticate} headers (RFC 9110 section 11.6.1) as registries send them:
 * {@code Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"}.
 *
 * <p>Pure and lenient: it never throws, and a malformed part yields fewer parameters rather than an error,
 * because a registry's slightly-off header should still let us try a token. Quoted values may hold commas and
 * backslash-escaped quotes; unquoted values run to the next comma or space (real registries send unquoted
 * URLs, which the strict token grammar would reject). Several challenges in one header are split where a
 * bare token (a new scheme) follows a comma. token68 credentials ({@code Negotiate abc==}) are not supported.
 */
public final class WwwAuthenticate {

    private WwwAuthenticate() {
    }

    /**
     * One challenge: a scheme and its parameters. Parameter names are lower-cased; a name may repeat
     * (some registries send several {@code scope} parameters), so each maps to its values in order.
     */
    public record Challenge(String scheme, Map<String, List<String>> params) {

        public Challenge {
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }

        public boolean isScheme(String name) {
            return scheme.equalsIgnoreCase(name);
        }

        /** The first value of the named parameter. */
        public Optional<String> param(String name) {
            List<String> values = params.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        public Optional<String> realm() {
            return param("realm").filter(r -> !r.isBlank());
        }

        public Optional<String> service() {
            return param("service");
        }

        /** Every scope, whether sent as several parameters or space-separated in one (both occur in the wild). */
        public List<String> scopes() {
            List<String> scopes = new ArrayList<>();
            for (String value : params.getOrDefault("scope", List.of())) {
                for (String scope : value.trim().split(" +")) {
                    if (!scope.isEmpty()) {
                        scopes.add(scope);
                    }
                }
            }
            return scopes;
        }
    }

    /** Parses one header value into its challenges, in order; an empty or unparsable value gives an empty list. */
    public static List<Challenge> parse(String header) {
        List<Challenge> challenges = new ArrayList<>();
        if (header == null) {
            return challenges;
        }
        Cursor in = new Cursor(header);
        while (true) {
            in.skipSpacesAndCommas();
            if (in.atEnd()) {
                return challenges;
            }
            String scheme = in.token();
            if (scheme.isEmpty()) {
                in.pos++; // not a token character: skip it and look for the next challenge
                continue;
            }
            challenges.add(new Challenge(scheme, parseParams(in)));
        }
    }

    /** Parses {@code name=value} pairs up to the end or to the next challenge's scheme. */
    private static Map<String, List<String>> parseParams(Cursor in) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        while (true) {
            in.skipSpaces();
            if (in.atEnd()) {
                return params;
            }
            if (in.peek() == ',') {
                in.pos++;
                continue;
            }
            int mark = in.pos;
            String name = in.token();
            if (name.isEmpty()) {
                in.pos++; // junk such as a stray quote: skip it
                continue;
            }
            in.skipSpaces();
            if (in.atEnd() || in.peek() != '=') {
                in.pos = mark; // a bare token: the scheme of the next challenge
                return params;
            }
            in.pos++; // '='
            in.skipSpaces();
            String value = !in.atEnd() && in.peek() == '"' ? in.quoted() : in.unquoted();
            params.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        }
    }

    private static final class Cursor {
        private final String s;
        private int pos;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        void skipSpaces() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        void skipSpacesAndCommas() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == ',')) {
                pos++;
            }
        }

        String token() {
            int start = pos;
            while (!atEnd() && isTokenChar(peek())) {
                pos++;
            }
            return s.substring(start, pos);
        }

        String unquoted() {
            int start = pos;
            while (!atEnd() && peek() != ',' && peek() != ' ' && peek() != '\t') {
                pos++;
            }
            return s.substring(start, pos);
        }

        /** A quoted-string starting at the opening quote; an unterminated one runs to the end. */
        String quoted() {
            StringBuilder value = new StringBuilder();
            pos++; // opening quote
            while (!atEnd()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\' && !atEnd()) {
                    c = s.charAt(pos++);
                }
                value.append(c);
            }
            return value.toString();
        }

        private static boolean isTokenChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }
}
