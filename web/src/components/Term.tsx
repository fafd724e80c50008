"use client";

import Link from "next/link";
import { useId, useState, type ReactNode } from "react";
import { GLOSSARY, glossaryHref, type TermId } from "../glossary";

/**
 * A protocol word with its one-line explanation: shown on hover and keyboard focus (Escape hides it),
 * linked to its /glossary entry for a tap on a phone. The explanation is in the page only while shown,
 * so the word's text and accessible name stay the word itself.
 */
export function Term({ id, children }: { id: TermId; children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const tipId = useId();
  return (
    <span className="term" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <Link
        href={glossaryHref(id)}
        className="term-link"
        aria-describedby={open ? tipId : undefined}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setOpen(false);
        }}
      >
        {children ?? GLOSSARY[id].term}
      </Link>
      {open && (
        <span role="tooltip" id={tipId} className="term-tip">
          {GLOSSARY[id].short}
        </span>
      )}
    </span>
  );
}
