package dev.soal.runtime;

import dev.soal.core.SoalException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlScriptTest {

    private static List<String> texts(String sql) {
        return SqlScript.split(sql).stream().map(SqlScript.Statement::text).toList();
    }

    @Test
    void splitsOnSemicolons() {
        assertThat(texts("SELECT 1; SELECT 2 ;\n\nSELECT 3")).containsExactly("SELECT 1", "SELECT 2", "SELECT 3");
    }

    @Test
    void semicolonsInsideStringsDoNotSplit() {
        assertThat(texts("SELECT 'a;b', \"c;d\", `e;f` FROM t; SELECT 2"))
                .containsExactly("SELECT 'a;b', \"c;d\", `e;f` FROM t", "SELECT 2");
    }

    @Test
    void aRawLiteralEndsAtItsQuote_aBackslashBeforeItEscapesNothing_splitAndBindReadItAlike() {
        // r'C:\' is the text C:\ (raw literals have no escapes): the ; after it ends the statement
        List<SqlScript.Statement> st = SqlScript.split("SELECT r'C:\\' AS dir, '${x}' AS x; SELECT R\"a\\\" AS y");
        assertThat(st).extracting(SqlScript.Statement::text)
                .containsExactly("SELECT r'C:\\' AS dir, '${x}' AS x", "SELECT R\"a\\\" AS y");
        assertThat(SqlScript.bind(st.get(0), Map.of("x", "it's")).text()).isEqualTo("SELECT r'C:\\' AS dir, 'it\\'s' AS x");
        // not a raw prefix: the r ends a longer word, so the backslash escapes the quote as in any literal
        assertThat(texts("SELECT chr'a\\';b'; SELECT 2")).containsExactly("SELECT chr'a\\';b'", "SELECT 2");
    }

    @Test
    void escapedQuotesStayInsideTheString() {
        assertThat(texts("SELECT 'it''s;ok'; SELECT 'back\\'slash;still'; SELECT 3"))
                .containsExactly("SELECT 'it''s;ok'", "SELECT 'back\\'slash;still'", "SELECT 3");
    }

    @Test
    void semicolonsInsideCommentsDoNotSplit() {
        String sql = """
                -- a comment; with a semicolon
                SELECT 1 /* block; comment /* nested; */ still; */ AS x;
                SELECT 2 -- trailing; comment
                """;
        List<SqlScript.Statement> st = SqlScript.split(sql);
        assertThat(st).hasSize(2);
        assertThat(st.get(0).text()).startsWith("-- a comment; with a semicolon").endsWith("still; */ AS x");
        assertThat(st.get(1).text()).isEqualTo("SELECT 2 -- trailing; comment");
    }

    @Test
    void commentOnlyAndEmptyStatementsAreDropped() {
        assertThat(texts(";;\n-- nothing here;\n/* nor; here */;SELECT 1;;")).hasSize(1);
    }

    @Test
    void hintsAreKept() {
        assertThat(texts("SELECT /*+ BROADCAST(t) */ * FROM t")).containsExactly("SELECT /*+ BROADCAST(t) */ * FROM t");
    }

    @Test
    void keywordAndLineAreFound() {
        List<SqlScript.Statement> st = SqlScript.split("-- header\n\nCREATE TABLE t (a INT);\n\n  with x as (select 1) select * from x;");
        assertThat(st).extracting(SqlScript.Statement::keyword).containsExactly("CREATE", "WITH");
        assertThat(st).extracting(SqlScript.Statement::line).containsExactly(3, 5);
        assertThat(st.get(0).isQuery()).isFalse();
        assertThat(st.get(1).isQuery()).isTrue();
    }

    @Test
    void unterminatedStringOrComment_isAnError() {
        assertThatThrownBy(() -> SqlScript.split("SELECT 1;\nSELECT 'oops"))
                .isInstanceOf(SoalException.class).hasMessage("unterminated ' quote starting at line 2");
        assertThatThrownBy(() -> SqlScript.split("SELECT 1 /* never closed"))
                .hasMessageContaining("unterminated /* comment");
    }

    @Test
    void substitutesVariables_evenWithSemicolonsInValues() {
        SqlScript.Statement st = SqlScript.split("SELECT '${name}' AS n FROM csv.`${input}`").get(0);
        assertThat(SqlScript.bind(st, Map.of("name", "a;b$1\\x", "input", "s3://b/k")).text())
                .isEqualTo("SELECT 'a;b$1\\\\x' AS n FROM csv.`s3://b/k`");
    }

    @Test
    void valuesInStringLiterals_areEscaped_soTheyStayData() {
        SqlScript.Statement st = SqlScript.split("SELECT * FROM csv.`${input}` WHERE a = '${v}' OR b = \"${v}\"").get(0);
        String text = SqlScript.bind(st, Map.of("input", "s3://b/o'brien `(2024)`.csv",
                "v", "x' OR 1=1 --\\\"")).text();
        assertThat(text).isEqualTo("SELECT * FROM csv.`s3://b/o'brien ``(2024)``.csv` WHERE a = 'x\\' OR 1=1 --\\\\\"'"
                + " OR b = \"x' OR 1=1 --\\\\\\\"\"");
    }

    @Test
    void valuesOutsideQuotes_mayBeNumbersOrPlainNames_aloneOrGluedToAName() {
        SqlScript.Statement st = SqlScript.split("SELECT * FROM t LIMIT ${n}").get(0);
        assertThat(SqlScript.bind(st, Map.of("n", "10")).text()).isEqualTo("SELECT * FROM t LIMIT 10");
        assertThat(SqlScript.bind(st, Map.of("n", "ALL")).text()).isEqualTo("SELECT * FROM t LIMIT ALL");
        assertThat(SqlScript.bind(SqlScript.split("SELECT ${x} * 2 FROM t").get(0), Map.of("x", "1.5")).text())
                .isEqualTo("SELECT 1.5 * 2 FROM t");

        SqlScript.Statement tables = SqlScript.split("CREATE TABLE soal.sales.daily_${day} (id BIGINT) USING iceberg").get(0);
        assertThat(SqlScript.bind(tables, Map.of("day", "d20261201")).text())
                .isEqualTo("CREATE TABLE soal.sales.daily_d20261201 (id BIGINT) USING iceberg");
        assertThat(SqlScript.bind(tables, Map.of("day", "20261201")).text())
                .isEqualTo("CREATE TABLE soal.sales.daily_20261201 (id BIGINT) USING iceberg");
        SqlScript.Statement ns = SqlScript.split("INSERT INTO soal.${tenant}.orders SELECT ${a}${b}, x${n}_y FROM t").get(0);
        assertThat(SqlScript.bind(ns, Map.of("tenant", "acme", "a", "ab", "b", "12", "n", "7")).text())
                .isEqualTo("INSERT INTO soal.acme.orders SELECT ab12, x7_y FROM t");
    }

    @Test
    void valuesOutsideQuotes_thatAreNotOnePlainToken_failTheJob_namingTheVariable() {
        SqlScript.Statement st = SqlScript.split("SELECT * FROM t LIMIT ${n}").get(0);
        assertThatThrownBy(() -> SqlScript.bind(st, Map.of("n", "1; DROP TABLE t")).text())
                .isInstanceOf(SoalException.class)
                .hasMessage("variable ${n} stands outside quotes in the statement at line 1, where only an unsigned number"
                        + " or a plain name ([A-Za-z_][A-Za-z0-9_]*, alone or glued to a name as in daily_${day} or"
                        + " soal.${ns}.t) may go, but its value was '1; DROP TABLE t'; quote it in the script ('${n}' for"
                        + " a string, `${n}` for a name), or use the named parameter :n (IDENTIFIER(:n) for a whole table name)");
        SqlScript.Statement named = SqlScript.split("INSERT INTO soal.${tenant}.orders SELECT 1").get(0);
        // spaces, statements, comments, operators, quotes, dots, dashes, signs, unicode letters, empty
        for (String crafted : List.of("x; DROP TABLE t", "a--", "1 OR 1=1", "a`b", "a.b", "a-b", "-1", "a b", "a'b",
                "a\"b", "/*x*/", "a/*", "ünï", "名前", "a\nb", "", "1e5", "0x1F", "10L")) {
            assertThatThrownBy(() -> SqlScript.bind(named, Map.of("tenant", crafted)).text())
                    .as(crafted).isInstanceOf(SoalException.class)
                    .hasMessageStartingWith("variable ${tenant} stands outside quotes in the statement at line 1");
            assertThatThrownBy(() -> SqlScript.bind(st, Map.of("n", crafted)).text())
                    .as(crafted).hasMessageStartingWith("variable ${n} stands outside quotes");
        }
    }

    @Test
    void valuesGluedIntoSomethingOtherThanOneNameOrNumber_failTheJob() {
        // a leading digit glued to a name, a number glued into a dotted name, a value glued to a unicode letter
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT ${n}days FROM t").get(0), Map.of("n", "5")).text())
                .hasMessageContaining("with its value '5' it makes '5days', which is neither");
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT 1${x} FROM t").get(0), Map.of("x", "abc")).text())
                .hasMessageContaining("it makes '1abc'");
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT * FROM soal.${ns}.t").get(0), Map.of("ns", "123")).text())
                .hasMessageContaining("makes the number 123 beside a '.'");
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT ${n}.5").get(0), Map.of("n", "1")).text())
                .hasMessageContaining("beside a '.'");
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT café_${x} FROM t").get(0), Map.of("x", "a")).text())
                .hasMessageContaining("it makes 'café_a'");
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT daily_${x} FROM t").get(0), Map.of("x", "1.5")).text())
                .hasMessageContaining("it makes 'daily_1.5'");
        // a value before a quote would change what the quote means: r'..' has no escapes, X'..' is binary
        SqlScript.Statement prefix = SqlScript.split("SELECT ${p}'${v}' AS a").get(0);
        assertThatThrownBy(() -> SqlScript.bind(prefix, Map.of("p", "r", "v", "\\' OR 1=1 --")).text())
                .hasMessageContaining("variable ${p}").hasMessageContaining("would touch the quote '");
        assertThatThrownBy(() -> SqlScript.bind(SqlScript.split("SELECT `a`${x}").get(0), Map.of("x", "b")).text())
                .hasMessageContaining("would touch the quote `");
    }

    @Test
    void rawLiterals_cannotHoldAQuoteOfTheirOwn_andDollarsAreSeenThrough() {
        SqlScript.Statement st = SqlScript.split("SELECT r'${v}' AS a, R\"${v}\" AS b, '${a}${b}' AS c").get(0);
        assertThatThrownBy(() -> SqlScript.bind(st, Map.of("v", "x' OR 1=1 --", "a", "", "b", "")).text())
                .hasMessageContaining("raw string literal");
        SqlScript.Bound ok = SqlScript.bind(st, Map.of("v", "C:\\dir", "a", "$", "b", "{env:HOME}"));
        assertThat(ok.text()).isEqualTo("SELECT r'C:\\dir' AS a, R\"C:\\dir\" AS b, '${env:HOME}' AS c");
        assertThat(ok.valuesHoldDollarBrace()).isTrue();
    }

    @Test
    void variablesInComments_areLeftAlone_butHintsAreCode() {
        SqlScript.Statement st = SqlScript.split("-- reads ${nothing}\nSELECT /* ${x} */ /*+ REPARTITION(${n}) */ 1").get(0);
        assertThat(SqlScript.bind(st, Map.of("n", "4")).text())
                .isEqualTo("-- reads ${nothing}\nSELECT /* ${x} */ /*+ REPARTITION(4) */ 1");
    }

    @Test
    void namedParameters_areBoundToKnownVariablesOutsideQuotes() {
        SqlScript.Statement st = SqlScript.split("SELECT :city AS c, ':city' AS lit, :unknown AS u").get(0);
        SqlScript.Bound b = SqlScript.bind(st, Map.of("city", "O'slo"));
        assertThat(b.text()).isEqualTo("SELECT :city AS c, ':city' AS lit, :unknown AS u");
        assertThat(b.parameters()).containsExactly(Map.entry("city", "O'slo"));
    }

    @Test
    void unknownVariable_isNamedWithTheKnownOnes() {
        SqlScript.Statement st = SqlScript.split("\nSELECT ${nope}").get(0);
        assertThatThrownBy(() -> SqlScript.bind(st, Map.of("input", "x")).text())
                .hasMessage("unknown variable ${nope} in the statement at line 2; known: [input]");
    }

    @Test
    void sparkOwnVariablesAreLeftAlone() {
        SqlScript.Statement st = SqlScript.split("SELECT '${spark.sql.shuffle.partitions}'").get(0);
        assertThat(SqlScript.bind(st, Map.of()).text()).isEqualTo("SELECT '${spark.sql.shuffle.partitions}'");
    }
}
