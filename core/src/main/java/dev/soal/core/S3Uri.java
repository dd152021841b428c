package dev.soal.core;

import java.util.regex.Pattern;

/**
 * An {@code s3://bucket/key} location, validated. {@code s3a://} is accepted and kept as given;
 * the key may be empty (the whole bucket) and ends with {@code /} for a prefix.
 */
public record S3Uri(String scheme, String bucket, String key) {
    // S3 bucket naming rules: 3-63 chars, lowercase letters, digits, dots and hyphens.
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public S3Uri {
        if (!"s3".equals(scheme) && !"s3a".equals(scheme)) {
            throw new IllegalArgumentException("scheme must be s3 or s3a, but was '" + scheme + "'");
        }
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bucket must be a valid S3 bucket name, but was '" + bucket + "'");
        }
        key = key == null ? "" : key;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("key must not contain control characters, but had U+"
                        + String.format("%04X", (int) c) + " at position " + i);
            }
        }
        for (String part : key.split("/", -1)) {
            if (part.equals("..") || part.equals(".")) {
                throw new IllegalArgumentException("key must not contain '.' or '..' segments, but was '" + key + "'");
            }
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("key must not start with '/', but was '" + key + "'");
        }
    }

    /** Parses {@code s3://bucket/key}; the message names the bad value. */
    public static S3Uri parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("S3 URI must not be empty");
        }
        int sep = uri.indexOf("://");
        if (sep < 0) {
            throw new IllegalArgumentException("not an S3 URI (expected s3://bucket/key): '" + uri + "'");
        }
        String scheme = uri.substring(0, sep);
        String rest = uri.substring(sep + 3);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        try {
            return new S3Uri(scheme, bucket, key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad S3 URI '" + uri + "': " + e.getMessage(), e);
        }
    }

    /** True when the URI names a prefix (ends with '/' or is a whole bucket) rather than one object. */
    public boolean isPrefix() {
        return key.isEmpty() || key.endsWith("/");
    }

    public S3Uri resolve(String child) {
        String base = key.isEmpty() || key.endsWith("/") ? key : key + "/";
        return new S3Uri(scheme, bucket, base + child);
    }

    @Override
    public String toString() {
        return scheme + "://" + bucket + "/" + key;
    }
}
