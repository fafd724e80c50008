import Link from "next/link";
import { TaskList } from "./TaskList";

/** What the app is for, where to start (create a task or take part), and the aggregator's tasks. */
export function Home() {
  return (
    <>
      <h1>Train a model together without sharing the data</h1>
      <p className="lead">
        FLuFHE trains one machine-learning model across several organisations while each keeps its records: every
        participant trains on its own data and sends an encrypted update, and only the sum of everyone&apos;s updates is
        ever decrypted. The rounds, the participants and every encrypted update are recorded on a blockchain, so anyone
        can check how the model was made.
      </p>
      <div className="start">
        <section className="panel" aria-labelledby="start-owner">
          <h2 id="start-owner">You own a model</h2>
          <p>
            Describe the model, list the participants&apos; wallet addresses and choose how updates are protected, then
            open, close and reveal each round from the task&apos;s page.
          </p>
          <p>
            <Link href="/tasks/new">Create a task</Link>
          </p>
        </section>
        <section className="panel" aria-labelledby="start-participant">
          <h2 id="start-participant">You were invited to take part</h2>
          <p>
            Connect the wallet the owner listed, pick your task below (<em>Tasks I take part in</em>) and follow{" "}
            <em>Take part from this browser</em> on its page: your data file is read by your browser only.
          </p>
          <p>
            <Link href="/glossary">What the words mean</Link>
          </p>
        </section>
      </div>
      <TaskList />
    </>
  );
}
