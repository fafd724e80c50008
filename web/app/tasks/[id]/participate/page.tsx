import { withTaskId } from "../../../../src/components/TaskIdRoute";
import { ParticipatePage } from "../../../../src/views/Participate";

export default async function Participate({ params }: { params: Promise<{ id: string }> }) {
  return withTaskId((await params).id, (id) => <ParticipatePage id={id} />);
}
