package dev.soal.runtime;

import dev.soal.core.SoalException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark SQL file split into statements. Semicolons split statements only outside quotes
 * ({@code '..'}, {@code ".."}, {@code `..`}, with {@code ''} and backslash escapes) and outside comments
 * ({@code -- ..} and nestable {@code /* .. *}{@code /}). Comments stay in the text (hints such as
 * {@code /*+ BROADCAST(t) *}{@code /} are comments too); statements that hold only comments are dropped.
 */
public final class SqlScript {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final java.util.Set<String> QUERY_KEYWORDS =
            java.util.Set.of("SELECT", "WITH", "VALUES", "TABLE", "FROM", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "SET");

    /** One statement, its 1-based first line in the file, and its first keyword (upper case). */
    public record Statement(String text, int line, String keyword) {
        /** True when the statement returns rows worth printing. */
        public boolean isQuery() {
            return QUERY_KEYWORDS.contains(keyword);
        }
    }

    private SqlScript() {
    }

    public static List<Statement> split(String sql) {
        List<Statement> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        StringBuilder code = new StringBuilder(); // the statement without comments, to find its keyword
        int line = 1;
        int startLine = 1;
        boolean hasCode = false;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
            if (current.length() == 0 && Character.isWhitespace(c)) {
                if (c == '\n') {
                    line++;
                }
                i++;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                int end = endOfQuoted(sql, i, c, line);
                String quoted = sql.substring(i, end);
                if (!hasCode) {
                    startLine = line;
                    hasCode = true;
                }
                current.append(quoted);
                code.append(quoted);
                line += count(quoted, '\n');
                i = end;
            } else if (c == '-' && next == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                current.append(sql, i, end);
                code.append(' ');
                i = end;
            } else if (c == '/' && next == '*') {
                int end = endOfBlockComment(sql, i, line);
                String comment = sql.substring(i, end);
                current.append(comment);
                code.append(' ');
                line += count(comment, '\n');
                i = end;
            } else if (c == ';') {
                add(out, current, code, startLine);
                hasCode = false;
                i++;
            } else {
                if (c == '\n') {
                    line++;
                } else if (!hasCode && !Character.isWhitespace(c)) {
                    startLine = line;
                    hasCode = true;
                }
                current.append(c);
                code.append(c);
                i++;
            }
        }
        add(out, current, code, startLine);
        return out;
    }

    /** Replaces {@code ${name}} with {@code variables.get(name)}; an unknown name is an error naming the known ones. */
    public static String substitute(Statement statement, Map<String, String> variables) {
        Matcher m = VARIABLE.matcher(statement.text());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            if (value == null) {
                throw new SoalException("unknown variable ${" + m.group(1) + "} in the statement at line "
                        + statement.line() + "; known: " + new TreeSet<>(variables.keySet()), false);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void add(List<Statement> out, StringBuilder current, StringBuilder code, int line) {
        String text = current.toString().strip();
        String bare = code.toString().strip();
        if (!bare.isEmpty()) {
            String keyword = bare.split("[\\s(]+", 2)[0].toUpperCase(Locale.ROOT);
            out.add(new Statement(text, line, keyword));
        }
        current.setLength(0);
        code.setLength(0);
    }

    private static int endOfQuoted(String sql, int start, char quote, int line) {
        int i = start + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2; // doubled quote: an escaped quote
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new SoalException("unterminated " + quote + " quote starting at line " + line, false);
    }

    private static int endOfBlockComment(String sql, int start, int line) {
        int depth = 0;
        int i = start;
        while (i < sql.length() - 1) {
            if (sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
                depth++;
                i += 2;
            } else if (sql.charAt(i) == '*' && sql.charAt(i + 1) == '/') {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        throw new SoalException("unterminated /* comment starting at line " + line, false);
    }

    private static int count(String s, char c) {
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }
}
