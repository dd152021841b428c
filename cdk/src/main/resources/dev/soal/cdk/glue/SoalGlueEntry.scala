// The Glue job's script: Glue runs a Scala job's --class from its script; this hands the run's
// arguments to SoAL's runner (soal-runner.jar, given to the job as --extra-jars), the same runner
// every path runs.
object SoalGlueEntry {
  def main(sysArgs: Array[String]): Unit = dev.soal.runtime.RunnerMain.main(sysArgs)
}
