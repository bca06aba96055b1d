package dev.mongorow.connect.transforms.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Derives MySQL column names from flattened document paths: joined with a delimiter, characters outside
 * [A-Za-z0-9_] replaced by '_', at most {@code maxLength} characters. A name that had to be shortened ends
 * with 8 hex characters of a hash of the full path, so different long paths stay different. When two paths
 * still give the same name (MySQL compares column names case-insensitively), a path that needed no change keeps
 * it (else the path that sorts first) and the others get the hash suffix: the result depends only on which
 * paths are present, never on the order of the fields.
 */
public final class ColumnNames {
    private static final int HASH_CHARS = 8;

    private final String delimiter;
    private final int maxLength;
    private final boolean sanitize;

    public ColumnNames(String delimiter, int maxLength, boolean sanitize) {
        this.delimiter = delimiter;
        this.maxLength = maxLength;
        this.sanitize = sanitize;
    }

    /** Column names for the given paths (each a list of segments), in the same order. */
    public List<String> names(List<List<String>> paths) {
        List<String> joined = new ArrayList<>(paths.size());
        List<String> names = new ArrayList<>(paths.size());
        Map<String, Integer> firstByName = new HashMap<>();
        boolean collision = false;
        for (List<String> path : paths) {
            String original = String.join(delimiter, path);
            String name = shorten(clean(original), original);
            joined.add(original);
            names.add(name);
            if (firstByName.putIfAbsent(name.toLowerCase(Locale.ROOT), names.size() - 1) != null) {
                collision = true;
            }
        }
        if (!collision) {
            return names;
        }
        // Resolve: per lower-cased name, an unchanged path wins, else the smallest; the others get a hash suffix.
        Map<String, String> winner = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String lower = names.get(i).toLowerCase(Locale.ROOT);
            String current = winner.get(lower);
            if (current == null || beats(joined.get(i), current, lower)) {
                winner.put(lower, joined.get(i));
            }
        }
        List<String> resolved = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (winner.get(name.toLowerCase(Locale.ROOT)).equals(joined.get(i))) {
                resolved.add(name);
            } else {
                resolved.add(withHash(clean(joined.get(i)), joined.get(i)));
            }
        }
        return resolved;
    }

    private static boolean beats(String candidate, String current, String lowerName) {
        boolean candidateUnchanged = candidate.toLowerCase(Locale.ROOT).equals(lowerName);
        boolean currentUnchanged = current.toLowerCase(Locale.ROOT).equals(lowerName);
        if (candidateUnchanged != currentUnchanged) {
            return candidateUnchanged;
        }
        return candidate.compareTo(current) < 0;
    }

    private String clean(String name) {
        if (!sanitize) {
            return name;
        }
        StringBuilder out = null;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9';
            if (!ok) {
                if (out == null) {
                    out = new StringBuilder(name.length());
                    out.append(name, 0, i);
                }
                out.append('_');
            } else if (out != null) {
                out.append(c);
            }
        }
        String cleaned = out == null ? name : out.toString();
        if (cleaned.isEmpty() || Character.isDigit(cleaned.charAt(0))) {
            cleaned = "_" + cleaned;
        }
        return cleaned;
    }

    private String shorten(String name, String original) {
        return name.length() <= maxLength ? name : withHash(name, original);
    }

    private String withHash(String name, String original) {
        String suffix = "_" + hash(original);
        int keep = Math.min(name.length(), maxLength - suffix.length());
        return name.substring(0, keep) + suffix;
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, HASH_CHARS / 2);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
