/**
 * Status from AWS's own word: EventBridge state changes of EMR Serverless and Glue runs, and the Spark
 * runtime Lambda's on-failure destination records.
 *
 * <pre>{@code
 * List<StatusEvents.Outcome> done = new StatusEvents(jobs).handle(sqsEvent); // or an EventBridge ScheduledEvent
 * }</pre>
 */
package dev.soal.router.status;
