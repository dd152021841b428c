package dev.soal.runtime;

import dev.soal.core.JobProgress;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;

import java.time.Instant;

/**
 * A run's progress as it goes: the statement the runner last said it started, and the tasks of the stages Spark runs
 * now for the job's group (its status tracker, which needs no listener of ours).
 */
final class RunProgress {
    private final SparkContext spark;
    private final String jobGroup;
    private volatile int statement;
    private volatile int statements;
    private volatile String text;

    RunProgress(SparkContext spark, String jobGroup) {
        this.spark = spark;
        this.jobGroup = jobGroup;
    }

    void statement(int index, int count, String sql) {
        this.text = JobProgress.shorten(sql);
        this.statements = count;
        this.statement = index;
    }

    /** Now; null before the first statement and when nothing runs that Spark reports. */
    JobProgress now(Instant at) {
        // the stages of this group's jobs that Spark runs now (submitted, not yet completed)
        java.util.Set<Integer> ours = new java.util.HashSet<>();
        for (int jobId : spark.statusTracker().getJobIdsForGroup(jobGroup)) {
            SparkJobInfo job = spark.statusTracker().getJobInfo(jobId).getOrElse(() -> null);
            if (job != null) {
                for (int stageId : job.stageIds()) {
                    ours.add(stageId);
                }
            }
        }
        int stages = 0;
        int done = 0;
        int total = 0;
        for (int stageId : spark.statusTracker().getActiveStageIds()) {
            SparkStageInfo stage = ours.contains(stageId) ? spark.statusTracker().getStageInfo(stageId).getOrElse(() -> null) : null;
            if (stage != null) {
                stages++;
                total += stage.numTasks();
                done += Math.min(stage.numCompletedTasks(), stage.numTasks());
            }
        }
        if (statement == 0 && stages == 0) {
            return null;
        }
        return new JobProgress(statement, statements, text, stages, done, total, at);
    }
}
