import { CreateTask } from "../../../src/views/CreateTask";

export default function NewTaskPage() {
  return <CreateTask />;
}
