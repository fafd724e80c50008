import { withTaskId } from "../../../src/components/TaskIdRoute";
import { TaskDashboard } from "../../../src/views/TaskDashboard";

export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  return withTaskId((await params).id, (id) => <TaskDashboard id={id} />);
}
