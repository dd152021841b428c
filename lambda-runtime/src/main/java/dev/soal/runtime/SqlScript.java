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

    /**
     * A statement ready for Spark: its text, the named parameters ({@code :name}) it uses, and whether a
     * substituted value holds {@code $}, <code>{</code> or <code>}</code>: Spark's own variable substitution must then be
     * off for it, or Spark would expand what the values spell, alone or together ({@code ${env:...}}).
     */
    public record Bound(String text, Map<String, Object> parameters, boolean valuesHoldDollarBrace) {
    }

    /**
     * What a value outside quotes may be: an unsigned number (a sign could join a {@code -} before it into a
     * comment) or a plain name (ASCII letters, digits and {@code _}, not starting with a digit).
     */
    static final Pattern BARE_NUMBER = Pattern.compile("[0-9]+(\\.[0-9]+)?");
    static final Pattern BARE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** What a bare value may stand in or be glued to; see {@link #checkBare}. */
    static final String BARE_RULE = "only an unsigned number or a plain name ([A-Za-z_][A-Za-z0-9_]*, alone or glued"
            + " to a name as in daily_${day} or soal.${ns}.t) may go";
    private static final Pattern PARAMETER = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");

    /** The statement's text with its variables substituted ({@link #bind}). */
    public static String substitute(Statement statement, Map<String, String> variables) {
        return bind(statement, variables).text();
    }

    /**
     * Substitutes {@code ${name}} with {@code variables.get(name)} as data, never as code: inside a
     * {@code '...'} or {@code "..."} string literal the value is escaped for Spark SQL (backslash and the
     * quote), inside a {@code `...`} identifier the backquote is doubled, inside a raw literal
     * ({@code r'...'}, which has no escapes) a value holding the quote fails the job, and outside quotes
     * only an unsigned number or a plain name may stand, alone or glued to a name ({@link #checkBare}; anything
     * else fails the job, naming the variable). In comments
     * nothing is substituted, except in hints ({@code /*+ ... *}{@code /}), which are code. Besides,
     * {@code :name} outside quotes and comments, for a known variable, becomes a Spark named parameter
     * bound to the value. An unknown {@code ${name}} is an error naming the known ones.
     */
    public static Bound bind(Statement statement, Map<String, String> variables) {
        String sql = statement.text();
        StringBuilder out = new StringBuilder(sql.length() + 64);
        Map<String, Object> parameters = new java.util.LinkedHashMap<>();
        boolean[] substituted = {false};
        List<int[]> bare = new ArrayList<>();     // [start, end) in out of each value outside quotes
        List<String> bareNames = new ArrayList<>();
        boolean raw = false; // the open quote began a raw literal: r'...' has no escapes
        int i = 0;
        int n = sql.length();
        char quote = 0;      // the open quote: ' " ` or 0
        int comment = 0;     // 1: -- line comment, 2: block comment, 3: hint
        int depth = 0;       // block comment nesting
        while (i < n) {
            char c = sql.charAt(i);
            char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
            if (c == '$' && next == '{' && (comment == 0 || comment == 3)) {
                Matcher m = VARIABLE.matcher(sql).region(i, n);
                if (m.lookingAt()) {
                    String name = m.group(1);
                    String value = variables.get(name);
                    if (value == null) {
                        throw new SoalException("unknown variable ${" + name + "} in the statement at line "
                                + statement.line() + "; known: " + new TreeSet<>(variables.keySet()), false);
                    }
                    if (quote == 0) {
                        bare.add(new int[]{out.length(), out.length() + value.length()});
                        bareNames.add(name);
                    }
                    out.append(escape(value, quote, raw, name, statement.line()));
                    substituted[0] |= value.indexOf('$') >= 0 || value.indexOf('{') >= 0 || value.indexOf('}') >= 0;
                    i = m.end();
                    continue;
                }
            }
            if (comment == 1) {
                comment = c == '\n' ? 0 : 1;
            } else if (comment >= 2) {
                if (c == '/' && next == '*') {
                    depth++;
                    out.append("/*");
                    i += 2;
                    continue;
                }
                if (c == '*' && next == '/') {
                    depth--;
                    out.append("*/");
                    i += 2;
                    comment = depth == 0 ? 0 : comment;
                    continue;
                }
            } else if (quote != 0) {
                if (c == '\\' && quote != '`' && !raw && i + 1 < n) {
                    out.append(c).append(next);
                    i += 2;
                    continue;
                }
                if (c == quote) {
                    if (next == quote) {
                        out.append(c).append(next);
                        i += 2;
                        continue;
                    }
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
                char before = i > 0 ? sql.charAt(i - 1) : ' ';
                char beforeThat = i > 1 ? sql.charAt(i - 2) : ' ';
                raw = c != '`' && (before == 'r' || before == 'R')
                        && !(Character.isLetterOrDigit(beforeThat) || beforeThat == '_');
            } else if (c == '-' && next == '-') {
                comment = 1;
            } else if (c == '/' && next == '*') {
                comment = i + 2 < n && sql.charAt(i + 2) == '+' ? 3 : 2;
                depth = 1;
                out.append("/*");
                i += 2;
                continue;
            } else if (c == ':') {
                Matcher m = PARAMETER.matcher(sql).region(i, n);
                if (m.lookingAt() && variables.containsKey(m.group(1))) {
                    parameters.put(m.group(1), variables.get(m.group(1)));
                }
            }
            out.append(c);
            i++;
        }
        String text = out.toString();
        for (int k = 0; k < bare.size(); k++) {
            checkBare(text, bare.get(k)[0], bare.get(k)[1], bareNames.get(k), statement.line());
        }
        return new Bound(text, parameters, substituted[0]);
    }

    /**
     * A value outside quotes, at {@code [start, end)} of the statement's final text, must leave one plain token
     * behind: the word it forms with the letters, digits and {@code _} glued to it on either side (other values
     * included) is an unsigned number or a plain name. A number may not touch a {@code .} (it would read as a
     * decimal or split a dotted name), and no value may touch a quote ({@code r'..'}, {@code X'..'} and the like
     * change what the quote means). So a value can never add a space, an operator, a quote or a comment.
     */
    private static void checkBare(String text, int start, int end, String name, int line) {
        String value = text.substring(start, end);
        if (!BARE_NUMBER.matcher(value).matches() && !BARE_NAME.matcher(value).matches()) {
            throw refuse(name, line, "its value was '" + shorten(value) + "'");
        }
        int from = start;
        while (from > 0 && wordChar(text.charAt(from - 1))) {
            from--;
        }
        int to = end;
        while (to < text.length() && wordChar(text.charAt(to))) {
            to++;
        }
        String word = text.substring(from, to);
        char before = from > 0 ? text.charAt(from - 1) : ' ';
        char after = to < text.length() ? text.charAt(to) : ' ';
        boolean number = BARE_NUMBER.matcher(word).matches();
        if (!number && !BARE_NAME.matcher(word).matches()) {
            throw refuse(name, line, "with its value '" + shorten(value) + "' it makes '" + shorten(word)
                    + "', which is neither");
        }
        if (number && (before == '.' || after == '.')) {
            throw refuse(name, line, "its value '" + shorten(value) + "' makes the number " + shorten(word)
                    + " beside a '.'");
        }
        if (isQuote(before) || isQuote(after)) {
            throw refuse(name, line, "its value '" + shorten(value) + "' would touch the quote " + (isQuote(before) ? before : after));
        }
    }

    private static SoalException refuse(String name, int line, String why) {
        return new SoalException("variable ${" + name + "} stands outside quotes in the statement at line " + line
                + ", where " + BARE_RULE + ", but " + why + "; quote it in the script ('${" + name + "}' for a string,"
                + " `${" + name + "}` for a name), or use the named parameter :" + name
                + " (IDENTIFIER(:" + name + ") for a whole table name)", false);
    }

    /** Letters and digits of any script, and {@code _}: what Spark would read as one word with a value. */
    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean isQuote(char c) {
        return c == '\'' || c == '"' || c == '`';
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static String escape(String value, char quote, boolean raw, String name, int line) {
        if (raw) {
            if (value.indexOf(quote) >= 0) {
                throw new SoalException("variable ${" + name + "} stands in a raw string literal (r" + quote + "..." + quote
                        + ") in the statement at line " + line + ", which cannot hold its value's " + quote
                        + "; use a plain literal (" + quote + "${" + name + "}" + quote + ") or the named parameter :" + name, false);
            }
            return value;
        }
        return switch (quote) {
            case '\'' -> value.replace("\\", "\\\\").replace("'", "\\'");
            case '"' -> value.replace("\\", "\\\\").replace("\"", "\\\"");
            case '`' -> value.replace("`", "``");
            default -> value; // checked once the whole statement is bound (checkBare)
        };
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
