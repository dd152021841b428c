/**
 * The job model every SoAL module shares: {@link dev.soal.core.JobRequest} in,
 * {@link dev.soal.core.JobRecord} kept in a {@link dev.soal.core.JobStore}, runs through a
 * {@link dev.soal.core.JobBackend}, and one {@link dev.soal.core.JobState} machine for every path.
 *
 * <pre>{@code
 * JobRecord job = JobRecord.queued(JobIds.next(now), request, measurement, decision, now);
 * store.create(job, request.idempotencyKey());
 * store.update(job.id(), j -> j.transition(JobState.RUNNING, "RUNNING", null, clock.instant()));
 * }</pre>
 * No Spark and no AWS SDK here: only Jackson for the JSON form.
 */
package dev.soal.core;
