import Link from "next/link";
import { GLOSSARY, TERM_IDS } from "../glossary";

/** /glossary: every protocol word the pages use, one line each, each entry an anchor the pages link to. */
export function Glossary() {
  return (
    <>
      <h1>Glossary</h1>
      <p className="muted">
        The words the pages use, in one line each. On the other pages a dotted word shows its line on hover or focus and
        links here.
      </p>
      <section className="panel" aria-labelledby="glossary-heading">
        <h2 id="glossary-heading" className="visually-hidden">
          Terms
        </h2>
        <dl className="glossary">
          {TERM_IDS.map((id) => (
            <div key={id} id={id} className="glossary-entry">
              <dt>{GLOSSARY[id].term}</dt>
              <dd>{GLOSSARY[id].short}</dd>
            </div>
          ))}
        </dl>
      </section>
      <p>
        <Link href="/">← Tasks</Link>
      </p>
    </>
  );
}
