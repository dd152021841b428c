package dev.soal.runtime;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.RelationTimeTravel;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.TimeTravelRelation;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.AbstractPartialFunction;
import scala.runtime.BoxedUnit;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Keeps {@code VERSION AS OF} and {@code TIMESTAMP AS OF} working on Delta and Iceberg tables in a session that has
 * Hudi's SQL extension. Hudi's parser takes every statement with an {@code AS OF} into a grammar of its own: that
 * grammar has no {@code INSERT OVERWRITE DIRECTORY}, and it makes a time-travel node that only Hudi's rules resolve,
 * so a Delta or Iceberg table read that way is never resolved (Spark then says {@code INVALID_USAGE_OF_STAR_OR_REGEX}
 * or {@code UNRESOLVED_COLUMN}).
 *
 * <p>Two extensions around Hudi's: {@link Beneath}, listed before it, keeps the parsers Hudi's wraps (Iceberg's,
 * Delta's, Spark's); this one, listed after it, parses a statement with an {@code AS OF} with those, so Spark's
 * grammar and Spark's time travel serve every table, and gives the reads of a Hudi table of the session catalog
 * Hudi's time-travel node. Any other statement goes through Hudi's parser as before ({@code CALL}, indexes).
 */
public final class HudiAsOf extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
    /**
     * The parser beneath Hudi's, from {@link Beneath} to this extension, with the session it was built for: one
     * session's parsers are built in turn, on one thread.
     */
    private static final ThreadLocal<Built> BENEATH = new ThreadLocal<>();

    private record Built(SparkSession session, ParserInterface parser) {
    }
    private static final Pattern AS_OF = Pattern.compile("(?is).*\\b(timestamp|version|system_time|system_version)\\s+as\\s+of\\b.*");

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        extensions.injectParser(new AbstractFunction2<SparkSession, ParserInterface, ParserInterface>() {
            @Override
            public ParserInterface apply(SparkSession session, ParserInterface hudi) {
                Built beneath = BENEATH.get();
                BENEATH.remove();
                // only this session's (a session whose building failed after Beneath's left one behind)
                return beneath == null || beneath.session() != session ? hudi : new Parser(session, hudi, beneath.parser());
            }
        });
        return BoxedUnit.UNIT;
    }

    /** Listed before Hudi's extension: keeps the parser Hudi's will wrap, and changes nothing. */
    public static final class Beneath extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
        @Override
        public BoxedUnit apply(SparkSessionExtensions extensions) {
            extensions.injectParser(new AbstractFunction2<SparkSession, ParserInterface, ParserInterface>() {
                @Override
                public ParserInterface apply(SparkSession session, ParserInterface beneath) {
                    BENEATH.set(new Built(session, beneath));
                    return beneath;
                }
            });
            return BoxedUnit.UNIT;
        }
    }

    /** Hudi's parser, but for statements with an {@code AS OF}: those the parsers beneath it parse. */
    static final class Parser implements ParserInterface {
        private final SparkSession session;
        private final ParserInterface hudi;
        private final ParserInterface beneath;

        Parser(SparkSession session, ParserInterface hudi, ParserInterface beneath) {
            this.session = session;
            this.hudi = hudi;
            this.beneath = beneath;
        }

        @Override
        public LogicalPlan parsePlan(String sql) throws ParseException {
            return AS_OF.matcher(sql).matches() ? toHudi(beneath.parsePlan(sql)) : hudi.parsePlan(sql);
        }

        @Override
        public LogicalPlan parseQuery(String sql) throws ParseException {
            return AS_OF.matcher(sql).matches() ? toHudi(beneath.parseQuery(sql)) : hudi.parseQuery(sql);
        }

        /**
         * Spark's time travel on a Hudi table made Hudi's, which is what Hudi's rules resolve: in the plan, its
         * subqueries, and its {@code WITH} clauses' queries (which are not the plan's children).
         */
        private LogicalPlan toHudi(LogicalPlan plan) {
            return plan.transformUpWithSubqueries(new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
                @Override
                public boolean isDefinedAt(LogicalPlan p) {
                    return p instanceof UnresolvedWith || p instanceof RelationTimeTravel t && isHudi(t.relation());
                }

                @Override
                public <A1 extends LogicalPlan, B1> B1 applyOrElse(A1 p, scala.Function1<A1, B1> otherwise) {
                    if (!isDefinedAt(p)) {
                        return otherwise.apply(p);
                    }
                    LogicalPlan made;
                    if (p instanceof UnresolvedWith w) {
                        List<Tuple2<String, SubqueryAlias>> ctes = new java.util.ArrayList<>();
                        for (Tuple2<String, SubqueryAlias> cte : JavaConverters.seqAsJavaList(w.cteRelations())) {
                            ctes.add(new Tuple2<>(cte._1(), (SubqueryAlias) toHudi(cte._2())));
                        }
                        made = w.copy(w.child(), JavaConverters.asScalaBuffer(ctes).toList());
                    } else {
                        RelationTimeTravel t = (RelationTimeTravel) p;
                        made = new TimeTravelRelation(t.relation(), t.timestamp(), t.version());
                    }
                    @SuppressWarnings("unchecked")
                    B1 b = (B1) made;
                    return b;
                }
            });
        }

        /** Whether {@code relation} names a table of the session catalog whose provider is Hudi. */
        private boolean isHudi(LogicalPlan relation) {
            if (!(relation instanceof UnresolvedRelation u)) {
                return false;
            }
            List<String> parts = JavaConverters.seqAsJavaList(u.multipartIdentifier());
            if (parts.size() == 3 && parts.get(0).equalsIgnoreCase("spark_catalog")) {
                parts = parts.subList(1, 3);
            }
            if (parts.isEmpty() || parts.size() > 2) {
                return false;
            }
            TableIdentifier id = parts.size() == 1 ? new TableIdentifier(parts.get(0))
                    : new TableIdentifier(parts.get(1), Option.apply(parts.get(0)));
            SessionCatalog catalog = session.sessionState().catalog();
            try {
                if (!catalog.tableExists(id)) {
                    return false;
                }
                Option<String> provider = catalog.getTableMetadata(id).provider();
                return provider.isDefined() && provider.get().toLowerCase(Locale.ROOT).equals("hudi");
            } catch (AnalysisException e) {
                return false; // not a table the session catalog can name: Spark's own rules say why
            }
        }

        @Override
        public Expression parseExpression(String sql) throws ParseException {
            return hudi.parseExpression(sql);
        }

        @Override
        public TableIdentifier parseTableIdentifier(String sql) throws ParseException {
            return hudi.parseTableIdentifier(sql);
        }

        @Override
        public FunctionIdentifier parseFunctionIdentifier(String sql) throws ParseException {
            return hudi.parseFunctionIdentifier(sql);
        }

        @Override
        public Seq<String> parseMultipartIdentifier(String sql) throws ParseException {
            return hudi.parseMultipartIdentifier(sql);
        }

        @Override
        public StructType parseTableSchema(String sql) throws ParseException {
            return hudi.parseTableSchema(sql);
        }

        @Override
        public DataType parseDataType(String sql) throws ParseException {
            return hudi.parseDataType(sql);
        }
    }
}
