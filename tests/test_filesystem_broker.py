"""The filesystem broker the demo's instances use (deployments/site/broker.py): messages
appear whole, and a message still being written is never read."""

from queue import Empty

import pytest
from kombu import Connection


@pytest.fixture
def connection(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),  # not ./control in the working tree
    }
    with Connection(
        "filesystem://localhost/",
        transport="deployments.site.broker:Transport",
        transport_options=options,
    ) as opened:
        yield opened


def test_a_message_goes_through_and_leaves_no_partial_file(connection, tmp_path):
    queue = connection.SimpleQueue("delivery")
    queue.put({"delivery_id": 7})
    names = [path.name for path in (tmp_path / "queue").iterdir()]
    assert len(names) == 1 and names[0].endswith(".delivery.msg")
    message = queue.get(timeout=1)
    assert message.payload == {"delivery_id": 7}
    message.ack()
    queue.close()


def test_a_message_being_written_is_not_read(connection, tmp_path):
    # What a producer holds while it writes: an empty file under a name no queue reads.
    (tmp_path / "queue" / ".tmp1234.part").write_bytes(b"")
    queue = connection.SimpleQueue("delivery")
    with pytest.raises(Empty):
        queue.get(timeout=0.2)
    queue.close()
