# -*- mode: ruby -*-
# common.rb - the machine every box uses; each box's Vagrantfile names only
# its box image and host name.
def oxlua_box(box, hostname)
  Vagrant.configure("2") do |config|
    config.vm.box = box
    config.vm.hostname = hostname
    config.vm.synced_folder ".", "/vagrant", disabled: true
    config.vm.synced_folder "../..", "/home/vagrant/oxlua", type: "rsync",
      rsync__exclude: ["build/"]

    config.vm.provider "virtualbox" do |vb|
      vb.cpus = 2
      vb.memory = 4096
    end
    config.vm.provider "libvirt" do |lv|
      lv.cpus = 2
      lv.memory = 4096
    end

    config.vm.provision "shell", path: "bootstrap.sh"
  end
end
