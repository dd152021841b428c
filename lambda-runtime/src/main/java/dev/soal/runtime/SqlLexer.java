package dev.soal.runtime;

import dev.soal.core.SoalException;

import java.util.ArrayList;
import java.util.List;

/**
 * Spark SQL text in pieces, the one reading of its grammar that both splitting a file into statements and
 * binding variables use ({@link SqlScript}): code; quoted text ({@code '..'} and {@code ".."} with backslash
 * escapes and doubled quotes, raw literals {@code r'..'} with no escapes, {@code `..`} identifiers with doubled
 * backquotes); {@code --} line comments; nestable block comments; and hints ({@code /*+ .. *}{@code /}), which
 * are code to Spark.
 */
final class SqlLexer {
    enum Kind { CODE, QUOTED, LINE_COMMENT, BLOCK_COMMENT, HINT }

    /**
     * One piece: its text as written, the line it starts on, and for quoted text the quote and whether it is a
     * raw literal. Code pieces end before every {@code ;}, which is a piece of its own.
     */
    record Piece(Kind kind, String text, int line, char quote, boolean raw) {
        boolean isComment() {
            return kind == Kind.LINE_COMMENT || kind == Kind.BLOCK_COMMENT;
        }
    }

    private SqlLexer() {
    }

    static List<Piece> scan(String sql) {
        List<Piece> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
            int end;
            Piece piece;
            if (c == '\'' || c == '"' || c == '`') {
                boolean raw = c != '`' && rawPrefix(sql, i);
                end = endOfQuoted(sql, i, c, raw, line);
                piece = new Piece(Kind.QUOTED, sql.substring(i, end), line, c, raw);
            } else if (c == '-' && next == '-') {
                int nl = sql.indexOf('\n', i);
                end = nl < 0 ? n : nl;
                piece = new Piece(Kind.LINE_COMMENT, sql.substring(i, end), line, '\0', false);
            } else if (c == '/' && next == '*') {
                end = endOfBlockComment(sql, i, line);
                boolean hint = i + 2 < n && sql.charAt(i + 2) == '+';
                piece = new Piece(hint ? Kind.HINT : Kind.BLOCK_COMMENT, sql.substring(i, end), line, '\0', false);
            } else if (c == ';') {
                end = i + 1;
                piece = new Piece(Kind.CODE, ";", line, '\0', false);
            } else {
                end = i;
                while (end < n && !startsPiece(sql, end)) {
                    end++;
                }
                piece = new Piece(Kind.CODE, sql.substring(i, end), line, '\0', false);
            }
            out.add(piece);
            line += count(piece.text(), '\n');
            i = end;
        }
        return out;
    }

    /** Where code stops: a quote, a comment, a {@code ;}. */
    private static boolean startsPiece(String sql, int i) {
        char c = sql.charAt(i);
        char next = i + 1 < sql.length() ? sql.charAt(i + 1) : '\0';
        return c == '\'' || c == '"' || c == '`' || c == ';' || (c == '-' && next == '-') || (c == '/' && next == '*');
    }

    /** {@code r'..'} or {@code R".."}: the letter alone, not the end of a longer word. */
    private static boolean rawPrefix(String sql, int quoteAt) {
        char before = quoteAt > 0 ? sql.charAt(quoteAt - 1) : ' ';
        char beforeThat = quoteAt > 1 ? sql.charAt(quoteAt - 2) : ' ';
        return (before == 'r' || before == 'R') && !(Character.isLetterOrDigit(beforeThat) || beforeThat == '_');
    }

    private static int endOfQuoted(String sql, int start, char quote, boolean raw, int line) {
        int i = start + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\\' && quote != '`' && !raw) {
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

    static int count(String s, char c) {
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }
}
