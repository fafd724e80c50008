import { Glossary } from "../../src/views/Glossary";

export default function GlossaryPage() {
  return <Glossary />;
}
