import { ParticipatePage } from "../../../../src/views/Participate";

export default async function Participate({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,78}$/.test(id) || BigInt(id) === 0n) {
    return (
      <p role="alert" className="notice error">
        “{id}” is not a task id: task ids are positive integers.
      </p>
    );
  }
  return <ParticipatePage id={BigInt(id)} />;
}
