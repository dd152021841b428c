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
 * A Spark SQL file split into statements, read by one scanner ({@link SqlLexer}) for splitting and binding
 * alike. Semicolons split statements only outside quotes ({@code '..'}, {@code ".."}, {@code `..`}, with
 * {@code ''} and backslash escapes, and raw literals {@code r'..'} without them) and outside comments
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
        int startLine = 0;                        // the line of the statement's first code, 0 until there is some
        for (SqlLexer.Piece p : SqlLexer.scan(sql)) {
            // a hint is code to Spark, but a statement of hints alone is dropped like one of comments
            boolean comment = p.isComment() || p.kind() == SqlLexer.Kind.HINT;
            String text = p.text();
            if (p.kind() == SqlLexer.Kind.CODE && text.equals(";")) {
                add(out, current, code, startLine);
                startLine = 0;
                continue;
            }
            if (current.length() == 0 && p.kind() == SqlLexer.Kind.CODE) {
                text = text.stripLeading(); // a statement starts at its first non-blank character
                if (text.isEmpty()) {
                    continue;
                }
            }
            if (startLine == 0 && !comment && !text.isBlank()) {
                String blank = p.text().substring(0, p.text().length() - p.text().stripLeading().length());
                startLine = p.line() + SqlLexer.count(blank, '\n'); // the line of the piece's first code
            }
            current.append(text);
            code.append(comment ? " " : text);
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
        Binding b = new Binding(statement, variables);
        for (SqlLexer.Piece p : SqlLexer.scan(statement.text())) {
            switch (p.kind()) {
                case LINE_COMMENT, BLOCK_COMMENT -> b.out.append(p.text());
                case HINT -> b.code(p.text(), false);
                case CODE -> b.code(p.text(), true);
                case QUOTED -> b.quoted(p);
            }
        }
        String text = b.out.toString();
        for (int k = 0; k < b.bare.size(); k++) {
            checkBare(text, b.bare.get(k)[0], b.bare.get(k)[1], b.bareNames.get(k), statement.line());
        }
        return new Bound(text, b.parameters, b.dollarBrace);
    }

    /** One statement's binding under way: the text so far, the values placed outside quotes, the parameters. */
    private static final class Binding {
        final Statement statement;
        final Map<String, String> variables;
        final StringBuilder out = new StringBuilder();
        final Map<String, Object> parameters = new java.util.LinkedHashMap<>();
        final List<int[]> bare = new ArrayList<>();     // [start, end) in out of each value outside quotes
        final List<String> bareNames = new ArrayList<>();
        boolean dollarBrace;

        Binding(Statement statement, Map<String, String> variables) {
            this.statement = statement;
            this.variables = variables;
        }

        /** Code (or a hint): values stand bare; {@code :name} of a known variable becomes a parameter. */
        void code(String text, boolean parametersToo) {
            int i = 0;
            while (i < text.length()) {
                int end = variable(text, i, '\0', false);
                if (end > i) {
                    i = end;
                    continue;
                }
                char c = text.charAt(i);
                if (c == ':' && parametersToo) {
                    Matcher m = PARAMETER.matcher(text).region(i, text.length());
                    if (m.lookingAt() && variables.containsKey(m.group(1))) {
                        parameters.put(m.group(1), variables.get(m.group(1)));
                    }
                }
                out.append(c);
                i++;
            }
        }

        /** Quoted text: values escaped for the quote; escapes copied as they are (not in raw literals). */
        void quoted(SqlLexer.Piece p) {
            String text = p.text();
            char quote = p.quote();
            int i = 0;
            while (i < text.length()) {
                int end = i == 0 ? i : variable(text, i, quote, p.raw());
                if (end > i) {
                    i = end;
                    continue;
                }
                char c = text.charAt(i);
                if (i > 0 && c == '\\' && quote != '`' && !p.raw() && i + 1 < text.length()) {
                    out.append(c).append(text.charAt(i + 1));
                    i += 2;
                    continue;
                }
                out.append(c);
                i++;
            }
        }

        /** A {@code ${name}} at {@code i}: its value placed for the quote it stands in; the index after it, or {@code i}. */
        private int variable(String text, int i, char quote, boolean raw) {
            if (text.charAt(i) != '$' || i + 1 >= text.length() || text.charAt(i + 1) != '{') {
                return i;
            }
            Matcher m = VARIABLE.matcher(text).region(i, text.length());
            if (!m.lookingAt()) {
                return i;
            }
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
            dollarBrace |= value.indexOf('$') >= 0 || value.indexOf('{') >= 0 || value.indexOf('}') >= 0;
            return m.end();
        }
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
}
